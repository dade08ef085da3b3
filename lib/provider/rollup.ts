import { sql } from "drizzle-orm";
import { type Db, rowsOf } from "@/db";
import { pruneExpiredAuth } from "@/lib/auth/prune";
import { log } from "@/lib/log/logger";
import type { Bucket } from "./usage";

/** A bucket closes this long after its end, so late-committing entries are inside it. */
export const ROLLUP_GRACE_MS = 5 * 60_000;

/** Where each bucket size's rollups end (null before the first run). */
export async function rolledUntil(db: Db, bucket: Bucket): Promise<Date | null> {
  const [row] = rowsOf<{ rolled_until: Date | string }>(
    await db.execute(sql`select rolled_until from usage_rollup_state where bucket = ${bucket}`),
  );
  return row ? new Date(row.rolled_until) : null;
}

/**
 * Aggregates every bucket that closed since the last run, for all endpoints, in one
 * statement per bucket size, and moves the watermark in the same transaction. Safe to run
 * from several instances: the state row is locked for the duration.
 */
export async function rollupUsage(db: Db, now = new Date()): Promise<void> {
  for (const bucket of ["hour", "day"] as const) {
    await db.transaction(async (tx) => {
      await tx.execute(sql`
        insert into usage_rollup_state (bucket, rolled_until)
        select ${bucket}, coalesce(date_trunc(${bucket}, min(created_at), 'UTC'), date_trunc(${bucket}, now(), 'UTC'))
        from ledger_entries
        on conflict (bucket) do nothing`);
      const [state] = rowsOf<{ rolled_until: Date | string }>(
        await tx.execute(
          sql`select rolled_until from usage_rollup_state where bucket = ${bucket} for update`,
        ),
      );
      const from = new Date(state?.rolled_until ?? now);
      const until = truncate(new Date(now.getTime() - ROLLUP_GRACE_MS), bucket);
      if (until <= from) return;
      await tx.execute(sql`
        insert into usage_rollups (endpoint_id, bucket, t, calls, credits, wallets, refunds, purchases)
        select endpoint_id, ${bucket}, date_trunc(${bucket}, created_at, 'UTC'),
               count(*) filter (where kind = 'consume'),
               coalesce(-sum(delta) filter (where kind = 'consume'), 0)
                 - coalesce(sum(delta) filter (where kind = 'refund'), 0),
               count(distinct wallet) filter (where kind = 'consume'),
               count(*) filter (where kind = 'refund'),
               count(*) filter (where kind = 'purchase')
        from ledger_entries
        where created_at >= ${from.toISOString()} and created_at < ${until.toISOString()}
        group by 1, 3
        on conflict (endpoint_id, bucket, t) do update set
          calls = excluded.calls, credits = excluded.credits, wallets = excluded.wallets,
          refunds = excluded.refunds, purchases = excluded.purchases`);
      await tx.execute(
        sql`update usage_rollup_state set rolled_until = ${until.toISOString()} where bucket = ${bucket}`,
      );
    });
  }
}

function truncate(d: Date, bucket: Bucket): Date {
  const step = bucket === "hour" ? 3_600_000 : 86_400_000;
  return new Date(Math.floor(d.getTime() / step) * step);
}

/** Rolls up usage (and prunes expired auth rows) every minute; returns a stop function. */
export function startRollups(db: Db, intervalMs = 60_000): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await rollupUsage(db);
      await pruneExpiredAuth(db);
    } catch (err) {
      log().error({ err }, "usage rollup / auth pruning failed");
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
