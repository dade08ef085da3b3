import { sql } from "drizzle-orm";
import { type Database, type Db, rowsOf } from "@/db";
import { big } from "./sql-util";
import type { Account, DebitResult } from "./types";

/** One debit request; the account is given alongside. */
export interface DebitItem {
  credits: bigint;
  reference?: string;
  /** A consume key replays its first result for 24 h. */
  idempotencyKey?: string;
  /** What the key stands for; a repeat of the key with another digest is not replayed. */
  requestDigest?: string;
}

interface Row {
  r_ord: number;
  r_ok: boolean;
  r_entry_id: string | number | bigint | null;
  r_balance: string | number | bigint | null;
  r_replayed: boolean;
  r_same: boolean;
}

type Arrays = [string, string, string, string, string, string];

/** Sends the six array parameters of ledger_debit_many and returns its rows. */
export type DebitRunner = (arrays: Arrays) => Promise<Row[]>;

const DEBIT_MANY =
  "select r_ord, r_ok, r_entry_id, r_balance, r_replayed, r_same from ledger_debit_many($1::integer[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[])";

/** The hot path: a prepared statement on the process's pool. */
export function preparedRunner(database: Database): DebitRunner {
  return (arrays) => database.query<Row>(DEBIT_MANY, arrays);
}

/** Through Drizzle, so it also runs inside a transaction. */
export function drizzleRunner(db: Db): DebitRunner {
  return async ([e, w, c, r, k, d]) =>
    rowsOf<Row>(
      await db.execute(sql`
        select r_ord, r_ok, r_entry_id, r_balance, r_replayed, r_same from ledger_debit_many(
          ${e}::integer[], ${w}::text[], ${c}::bigint[], ${r}::text[], ${k}::text[], ${d}::text[])`),
    );
}

/**
 * Applies debits for any number of accounts in one statement (one round trip, one
 * commit). Items are sent sorted by account, keeping each account's arrival order, so
 * rows are locked in one global order; results come back in the caller's order.
 */
export async function runDebits(
  run: DebitRunner,
  items: (Account & DebitItem)[],
): Promise<DebitResult[]> {
  for (const item of items) {
    if (item.credits <= 0n) throw new RangeError("debit credits must be positive");
  }
  const order = items
    .map((item, index) => ({ item, index }))
    .sort(
      (a, b) =>
        a.item.endpointId - b.item.endpointId ||
        (a.item.wallet < b.item.wallet
          ? -1
          : a.item.wallet > b.item.wallet
            ? 1
            : a.index - b.index),
    );
  const rows = await run([
    pgArray(order.map((o) => String(o.item.endpointId))),
    pgArray(order.map((o) => o.item.wallet)),
    pgArray(order.map((o) => o.item.credits.toString())),
    pgArray(order.map((o) => o.item.reference ?? null)),
    pgArray(order.map((o) => o.item.idempotencyKey ?? null)),
    pgArray(order.map((o) => o.item.requestDigest ?? null)),
  ]);
  const results = new Array<DebitResult>(items.length);
  for (const r of rows) {
    const sent = order[Number(r.r_ord) - 1];
    if (!sent) throw new Error(`ledger_debit_many returned an unknown item ${r.r_ord}`);
    results[sent.index] = r.r_ok
      ? r.r_same
        ? {
            ok: true,
            entryId: big(r.r_entry_id),
            balance: big(r.r_balance),
            replayed: r.r_replayed,
          }
        : { ok: false, keyReused: true, balance: big(r.r_balance) }
      : { ok: false, balance: big(r.r_balance) };
  }
  if (rows.length !== items.length)
    throw new Error("ledger_debit_many answered a different number of items");
  return results;
}

/**
 * Takes credits from one account for each item, in order, each all or nothing and never
 * below zero, in one statement under the account's row lock.
 */
export function debitBatch(db: Db, account: Account, items: DebitItem[]): Promise<DebitResult[]> {
  return runDebits(
    drizzleRunner(db),
    items.map((item) => ({ ...account, ...item })),
  );
}

/** A single debit. */
export async function debit(db: Db, p: Account & DebitItem): Promise<DebitResult> {
  const [result] = await runDebits(drizzleRunner(db), [p]);
  if (!result) throw new Error("ledger_debit_many returned no row");
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
