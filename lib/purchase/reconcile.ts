import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { Hash } from "viem";
import { type Payment, payments } from "@/db/schema";
import type { AppContext } from "@/lib/app/context";
import { log } from "@/lib/log/logger";
import { countReconcilerRun } from "@/lib/metrics/metrics";
import { chainVerdict, inFlight } from "./chain-record";
import { oldestPendingAgeSeconds } from "./oldest-pending";
import { recordAttempt } from "./record";
import { attemptSettlement } from "./settlement";
import { markFailed, settleAndCredit } from "./store";

interface StoredPayment {
  version: 1 | 2;
  payload: PaymentPayload;
  requirements: PaymentRequirements;
}

export type Resolution = "settled" | "failed" | "pending";

/** After this long a failed payment is closed even if its authorization has not expired. */
const OPEN_FAILED_MS = 24 * 3_600_000;

/**
 * Finishes a payment from the chain's own record. Authorization used → find its transfer
 * to our payee, then settle + credit (once), whatever the row said, failed included.
 * Unused: a failed row is closed once it can no longer be used; a pending one fails when
 * expired, waits while its transaction is still in flight, else is settled now by us.
 */
export async function reconcilePayment(ctx: AppContext, payment: Payment): Promise<Resolution> {
  const verdict = await chainVerdict(ctx, payment);
  if (verdict.kind === "paid") {
    await settleAndCredit(ctx.db, payment, verdict.transaction);
    return "settled";
  }
  const from = payment.status === "failed" ? "failed" : "pending";
  if (verdict.kind === "used_elsewhere") {
    await markFailed(ctx.db, payment.id, "authorization_used_elsewhere", { from, final: true });
    return "failed";
  }
  const stored = payment.payload as StoredPayment;
  const expired = validBefore(stored) <= BigInt(Math.floor(Date.now() / 1000));
  if (payment.status === "failed") {
    if (expired || Date.now() - payment.createdAt.getTime() > OPEN_FAILED_MS) {
      const reason = payment.failureReason ?? "settlement_failed";
      await markFailed(ctx.db, payment.id, reason, { from, final: true });
    }
    return "failed";
  }
  if (expired) {
    await markFailed(ctx.db, payment.id, "authorization_expired", { final: true });
    return "failed";
  }
  if (payment.transaction && (await inFlight(ctx, payment.transaction as Hash))) return "pending";
  const attempt = await attemptSettlement(
    ctx.chain.facilitator,
    stored.payload,
    stored.requirements,
    ctx.config.chain.facilitatorTimeoutMs,
  );
  const recorded = await recordAttempt(ctx, payment, attempt);
  if (recorded.kind === "settled") return "settled";
  // Unavailable leaves it failed but open: retried by the buyer, or found used on chain.
  return recorded.kind === "pending" ? "pending" : "failed";
}

function validBefore(stored: StoredPayment): bigint {
  const auth = (stored.payload.payload as { authorization?: { validBefore?: string } })
    .authorization;
  return BigInt(auth?.validBefore ?? 0);
}

/**
 * Reconciles every pending payment older than `minAgeMs` (younger ones may still be in
 * a request's hands), and every failed one still open (its authorization could yet be, or
 * was, used on chain). Returns how each ended.
 */
export async function reconcilePending(ctx: AppContext, minAgeMs: number) {
  const quiet = lt(payments.updatedAt, sql`now() - make_interval(secs => ${minAgeMs / 1000})`);
  const pending = await ctx.db
    .select()
    .from(payments)
    .where(
      and(
        quiet,
        or(
          eq(payments.status, "pending"),
          and(eq(payments.status, "failed"), isNull(payments.closedAt)),
        ),
      ),
    )
    .orderBy(payments.updatedAt)
    .limit(500);
  const tally: Record<Resolution, number> = { settled: 0, failed: 0, pending: 0 };
  for (const payment of pending) {
    try {
      tally[await reconcilePayment(ctx, payment)]++;
    } catch (err) {
      log().error({ err, paymentId: payment.id, payer: payment.payer }, "reconcile failed");
      tally.pending++;
    }
  }
  return tally;
}

/** Runs the reconciler at start and then every `intervalMs`; returns a stop function. */
export function startReconciler(ctx: AppContext): () => void {
  const minAge = ctx.config.chain.facilitatorTimeoutMs;
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const tally = await reconcilePending(ctx, minAge);
      countReconcilerRun(tally, await oldestPendingAgeSeconds(ctx.db));
      if (tally.settled > 0) log().info({ tally }, "reconciled payments");
    } catch (err) {
      countReconcilerRun(undefined);
      log().error({ err }, "reconciler run failed");
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(tick, ctx.config.chain.reconcileIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
