import { sql } from "drizzle-orm";
import { type Db, rowsOf } from "@/db";
import { big } from "./sql-util";

export interface LedgerMismatch {
  endpointId: number;
  wallet: string;
  balance: bigint | null;
  sum: bigint | null;
}

export interface LedgerReport {
  ok: boolean;
  accounts: number;
  entries: number;
  /** Accounts whose balance row is not the sum of their entries, or is negative. */
  mismatches: LedgerMismatch[];
  /** Entries whose `balance_after` is not the running sum of the account's entries. */
  brokenChain: number;
}

/**
 * Proves `balance = Σ entries ≥ 0` for every account, and that each entry's
 * `balance_after` is the running sum up to it (entry ids follow the balance row's lock
 * order, so id order is the order the account saw).
 */
export async function checkLedger(db: Db): Promise<LedgerReport> {
  const mismatches = rowsOf<{
    endpoint_id: number;
    wallet: string;
    credits: string | null;
    total: string | null;
  }>(
    await db.execute(sql`
      with sums as (
        select endpoint_id, wallet, sum(delta) as total from ledger_entries group by 1, 2
      )
      select coalesce(b.endpoint_id, s.endpoint_id) as endpoint_id,
             coalesce(b.wallet, s.wallet) as wallet, b.credits, s.total
      from balances b full outer join sums s
        on s.endpoint_id = b.endpoint_id and s.wallet = b.wallet
      where b.credits is distinct from s.total or b.credits < 0
      limit 100
    `),
  );
  const [totals] = rowsOf<{ accounts: string; entries: string; broken: string }>(
    await db.execute(sql`
      select (select count(*) from balances) as accounts,
             (select count(*) from ledger_entries) as entries,
             (select count(*) from (
                select balance_after,
                       sum(delta) over (partition by endpoint_id, wallet order by id) as running
                from ledger_entries
              ) chain where balance_after <> running) as broken
    `),
  );
  const brokenChain = Number(totals?.broken ?? 0);
  return {
    ok: mismatches.length === 0 && brokenChain === 0,
    accounts: Number(totals?.accounts ?? 0),
    entries: Number(totals?.entries ?? 0),
    brokenChain,
    mismatches: mismatches.map((m) => ({
      endpointId: Number(m.endpoint_id),
      wallet: m.wallet,
      balance: m.credits === null ? null : big(m.credits),
      sum: m.total === null ? null : big(m.total),
    })),
  };
}
