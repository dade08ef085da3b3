import { sql } from "drizzle-orm";
import { type Db, rowsOf } from "@/db";
import { big } from "./sql-util";
import type { Account, DebitResult } from "./types";

/** One debit of a batch; the account is the batch's. */
export interface DebitItem {
  credits: bigint;
  reference?: string;
  /** A consume key replays its first result for 24 h. */
  idempotencyKey?: string;
}

interface Row {
  r_ord: number;
  r_ok: boolean;
  r_entry_id: string | number | bigint | null;
  r_balance: string | number | bigint | null;
  r_replayed: boolean;
}

/**
 * Takes credits from one account for each item, in order, each all or nothing and never
 * below zero, in one statement (one round trip) under the account's row lock. A keyed item
 * seen in the last 24 h (also earlier in the same batch) reports the first entry again.
 */
export async function debitBatch(
  db: Db,
  account: Account,
  items: DebitItem[],
): Promise<DebitResult[]> {
  for (const item of items) {
    if (item.credits <= 0n) throw new RangeError("debit credits must be positive");
  }
  const costs = items.map((i) => i.credits.toString());
  const refs = items.map((i) => i.reference ?? null);
  const keys = items.map((i) => i.idempotencyKey ?? null);
  const rows = rowsOf<Row>(
    await db.execute(sql`
      select * from ledger_debit(
        ${account.endpointId}::integer, ${account.wallet}::text,
        ${pgArray(costs)}::bigint[], ${pgArray(refs)}::text[], ${pgArray(keys)}::text[])
    `),
  );
  return rows
    .sort((a, b) => Number(a.r_ord) - Number(b.r_ord))
    .map((r) =>
      r.r_ok
        ? {
            ok: true,
            entryId: big(r.r_entry_id),
            balance: big(r.r_balance),
            replayed: r.r_replayed,
          }
        : { ok: false, balance: big(r.r_balance) },
    );
}

/** A single debit: `debitBatch` of one. */
export async function debit(db: Db, p: Account & DebitItem): Promise<DebitResult> {
  const [result] = await debitBatch(db, p, [p]);
  if (!result) throw new Error("ledger_debit returned no row");
  return result;
}

/**
 * A Postgres array literal. Both drivers accept it as text for a `::type[]` cast, which
 * keeps one code path for PGlite and postgres.js (they serialise JS arrays differently).
 */
function pgArray(values: (string | null)[]): string {
  const quoted = values.map((v) =>
    v === null ? "NULL" : `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`,
  );
  return `{${quoted.join(",")}}`;
}
