import { sql } from "drizzle-orm";
import { type Db, rowsOf } from "@/db";
import { findByKey } from "./find-by-key";
import { big, sqlState, UNIQUE_VIOLATION } from "./sql-util";
import type { Applied, CreditParams } from "./types";

interface Row {
  entry_id: string | number | bigint | null;
  balance_after: string | number | bigint | null;
  prior_id: string | number | bigint | null;
  prior_after: string | number | bigint | null;
}

/**
 * Adds credits to an account (creating it on first use) and writes the ledger entry, in
 * one statement. Idempotent with a key, by the same unique-key mechanism as `debit`.
 */
export async function credit(db: Db, p: CreditParams): Promise<Applied> {
  if (p.credits <= 0n) throw new RangeError("credit credits must be positive");
  const key = p.idempotencyKey ?? null;
  // The account's running totals: a purchase adds to what it bought, a refund (the
  // gateway's, or a provider's `adjust`) takes back from what it consumed.
  const purchased = p.kind === "purchase" ? p.credits : 0n;
  const refunded = p.kind === "refund" || p.kind === "adjust" ? p.credits : 0n;
  try {
    const result = await db.execute(sql`
      with prior as (
        select id, balance_after from ledger_entries
        where endpoint_id = ${p.endpointId} and wallet = ${p.wallet}
          and kind = ${p.kind} and idempotency_key = ${key}
      ), upsert as (
        insert into balances (endpoint_id, wallet, credits, purchased, consumed)
        select ${p.endpointId}, ${p.wallet}, ${p.credits.toString()}::bigint,
               ${purchased.toString()}::bigint, ${(-refunded).toString()}::bigint
        where not exists (select 1 from prior)
        on conflict (endpoint_id, wallet)
        do update set credits = balances.credits + excluded.credits, updated_at = now(),
          purchased = balances.purchased + excluded.purchased,
          consumed = balances.consumed + excluded.consumed
        returning credits
      ), ins as (
        insert into ledger_entries (endpoint_id, wallet, kind, delta, balance_after, reference, idempotency_key)
        select ${p.endpointId}, ${p.wallet}, ${p.kind}, ${p.credits.toString()}::bigint, credits,
               ${p.reference ?? null}, ${key}
        from upsert
        returning id, balance_after
      )
      select (select id from ins) as entry_id,
             (select balance_after from ins) as balance_after,
             (select id from prior) as prior_id,
             (select balance_after from prior) as prior_after
    `);
    const row = rowsOf<Row>(result)[0];
    if (row?.prior_id != null) {
      return {
        ok: true,
        entryId: big(row.prior_id),
        balance: big(row.prior_after),
        replayed: true,
      };
    }
    if (row?.entry_id == null) throw new Error("credit wrote no ledger entry");
    return {
      ok: true,
      entryId: big(row.entry_id),
      balance: big(row.balance_after),
      replayed: false,
    };
  } catch (err) {
    if (key !== null && sqlState(err) === UNIQUE_VIOLATION) {
      const prior = await findByKey(db, p, p.kind, key);
      if (prior)
        return { ok: true, entryId: prior.id, balance: prior.balanceAfter, replayed: true };
    }
    throw err;
  }
}
