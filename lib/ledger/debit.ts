import { sql } from "drizzle-orm";
import { type Db, rowsOf } from "@/db";
import { findByKey } from "./find-by-key";
import { big, sqlState, UNIQUE_VIOLATION } from "./sql-util";
import type { DebitParams, DebitResult } from "./types";

interface Row {
  entry_id: string | number | bigint | null;
  balance_after: string | number | bigint | null;
  current: string | number | bigint | null;
  prior_id: string | number | bigint | null;
  prior_after: string | number | bigint | null;
}

/**
 * Takes `credits` from an account, all or nothing, in one statement (one round trip):
 * the balance row is decremented only while it covers the cost, and the ledger entry is
 * written with the balance it left. With an idempotency key, a repeat returns the first
 * result; two racing repeats collide on the ledger's unique key, which aborts the later
 * statement whole (its decrement included), and that one then reports the winner's entry.
 */
export async function debit(db: Db, p: DebitParams): Promise<DebitResult> {
  if (p.credits <= 0n) throw new RangeError("debit credits must be positive");
  const key = p.idempotencyKey ?? null;
  try {
    const result = await db.execute(sql`
      with prior as (
        select id, balance_after from ledger_entries
        where endpoint_id = ${p.endpointId} and wallet = ${p.wallet}
          and kind = 'consume' and idempotency_key = ${key}
      ), upd as (
        update balances set credits = credits - ${p.credits.toString()}::bigint, updated_at = now()
        where endpoint_id = ${p.endpointId} and wallet = ${p.wallet}
          and credits >= ${p.credits.toString()}::bigint
          and not exists (select 1 from prior)
        returning credits
      ), ins as (
        insert into ledger_entries (endpoint_id, wallet, kind, delta, balance_after, reference, idempotency_key)
        select ${p.endpointId}, ${p.wallet}, 'consume', -${p.credits.toString()}::bigint, credits,
               ${p.reference ?? null}, ${key}
        from upd
        returning id, balance_after
      )
      select (select id from ins) as entry_id,
             (select balance_after from ins) as balance_after,
             (select credits from balances where endpoint_id = ${p.endpointId} and wallet = ${p.wallet}) as current,
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
    if (row?.entry_id != null) {
      return {
        ok: true,
        entryId: big(row.entry_id),
        balance: big(row.balance_after),
        replayed: false,
      };
    }
    return { ok: false, balance: big(row?.current) };
  } catch (err) {
    if (key !== null && sqlState(err) === UNIQUE_VIOLATION) {
      const prior = await findByKey(db, p, "consume", key);
      if (prior)
        return { ok: true, entryId: prior.id, balance: prior.balanceAfter, replayed: true };
    }
    throw err;
  }
}
