import { sql } from "drizzle-orm";
import { type Db, rowsOf } from "@/db";
import { formatUsdc } from "@/lib/money";
import { rolledUntil } from "./rollup";

export type Bucket = "hour" | "day";

export type UsagePoint = {
  t: string;
  calls: number;
  credits: number;
  wallets: number;
  refunds: number;
  purchases: number;
  revenue: string;
};

interface Scope {
  endpointId: number;
  /** A buyer's view: only this wallet's entries. */
  wallet?: string;
  from: Date;
  to: Date;
  bucket: Bucket;
}

/**
 * Calls, net credits consumed, distinct wallets, refunds, purchases and revenue per
 * bucket, every bucket of the range present (zeros included) so charts need no gap logic.
 */
export async function usageSeries(db: Db, scope: Scope): Promise<UsagePoint[]> {
  const step = STEP[scope.bucket];
  const start = new Date(Math.floor(scope.from.getTime() / step) * step);
  // Closed buckets come from the rollups (provider views); only the tail after the
  // watermark, or a single wallet's entries (an index range), is aggregated live.
  const rolled = scope.wallet ? null : await rolledUntil(db, scope.bucket);
  const split = rolled
    ? new Date(Math.min(Math.max(rolled.getTime(), start.getTime()), scope.to.getTime()))
    : start;
  const fromRollups = split > start ? await rollupRows(db, scope, start, split) : [];
  const live = await ledgerRows(db, scope, split);
  const revenue = await revenueRows(db, scope, start);
  const byTime = new Map([...fromRollups, ...live].map((r) => [new Date(r.t).toISOString(), r]));
  const revenueByTime = new Map(
    revenue.map((r) => [new Date(r.t).toISOString(), BigInt(r.revenue)]),
  );
  return bucketsOf({ ...scope, from: start }).map((t) => {
    const row = byTime.get(t);
    return {
      t,
      calls: Number(row?.calls ?? 0),
      credits: Number(row?.credits ?? 0),
      wallets: Number(row?.wallets ?? 0),
      refunds: Number(row?.refunds ?? 0),
      purchases: Number(row?.purchases ?? 0),
      revenue: formatUsdc(revenueByTime.get(t) ?? 0n),
    };
  });
}

interface CountRow {
  t: Date | string;
  calls: string;
  credits: string;
  wallets: string;
  refunds: string;
  purchases: string;
}

async function rollupRows(db: Db, scope: Scope, from: Date, until: Date): Promise<CountRow[]> {
  return rowsOf<CountRow>(
    await db.execute(sql`
      select t, calls, credits, wallets, refunds, purchases from usage_rollups
      where endpoint_id = ${scope.endpointId} and bucket = ${scope.bucket}
        and t >= ${from.toISOString()} and t < ${until.toISOString()}
    `),
  );
}

async function ledgerRows(db: Db, scope: Scope, from: Date): Promise<CountRow[]> {
  if (from >= scope.to) return [];
  const walletFilter = scope.wallet ? sql`and wallet = ${scope.wallet}` : sql``;
  return rowsOf<CountRow>(
    await db.execute(sql`
      select date_trunc(${scope.bucket}, created_at, 'UTC') as t,
             count(*) filter (where kind = 'consume') as calls,
             coalesce(-sum(delta) filter (where kind = 'consume'), 0)
               - coalesce(sum(delta) filter (where kind = 'refund'), 0) as credits,
             count(distinct wallet) filter (where kind = 'consume') as wallets,
             count(*) filter (where kind = 'refund') as refunds,
             count(*) filter (where kind = 'purchase') as purchases
      from ledger_entries
      where endpoint_id = ${scope.endpointId} ${walletFilter}
        and created_at >= ${from.toISOString()} and created_at < ${scope.to.toISOString()}
      group by 1
    `),
  );
}

async function revenueRows(db: Db, scope: Scope, from: Date) {
  const payerFilter = scope.wallet ? sql`and payer = ${scope.wallet}` : sql``;
  return rowsOf<{ t: Date | string; revenue: string }>(
    await db.execute(sql`
      select date_trunc(${scope.bucket}, updated_at, 'UTC') as t, sum(amount) as revenue
      from payments
      where endpoint_id = ${scope.endpointId} and status = 'settled' ${payerFilter}
        and updated_at >= ${from.toISOString()} and updated_at < ${scope.to.toISOString()}
      group by 1
    `),
  );
}

const STEP: Record<Bucket, number> = { hour: 3_600_000, day: 86_400_000 };

function bucketsOf({ from, to, bucket }: Scope): string[] {
  const step = STEP[bucket];
  const start = Math.floor(from.getTime() / step) * step;
  const out: string[] = [];
  for (let t = start; t < to.getTime(); t += step) out.push(new Date(t).toISOString());
  return out;
}

export const MAX_BUCKETS = 2_000;

/** Rejects ranges that would produce an unreasonable number of buckets. */
export function bucketCount(from: Date, to: Date, bucket: Bucket): number {
  return Math.ceil((to.getTime() - from.getTime()) / STEP[bucket]);
}
