import { sql } from "drizzle-orm";
import { type Db, rowsOf } from "@/db";

/**
 * Distinct wallets with at least one call (a `consume` entry) on the endpoint since `since`,
 * up to now. Counted from `balances` (one row per wallet and endpoint) rather than the
 * ledger: the debit sets `last_call_at` and `updated_at` to the same now() in one UPDATE and
 * every later write only moves `updated_at` forward, so `updated_at >= last_call_at` holds
 * and the (endpoint_id, updated_at) index bounds the scan to recently touched wallets.
 */
export async function activeWallets(db: Db, endpointId: number, since: Date): Promise<number> {
  const at = since.toISOString();
  const [row] = rowsOf<{ n: string }>(
    await db.execute(sql`
      select count(*) as n from balances
      where endpoint_id = ${endpointId} and updated_at >= ${at} and last_call_at >= ${at}
    `),
  );
  return Number(row?.n ?? 0);
}
