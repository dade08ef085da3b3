import type { PaymentPayload, PaymentRequirements, SettleResponse } from "@x402/core/types";
import { and, eq, lt, sql } from "drizzle-orm";
import { type Address, type Hash, parseEventLogs } from "viem";
import { type Payment, payments } from "@/db/schema";
import type { AppContext } from "@/lib/app/context";
import { testUsdcAbi } from "@/lib/chain/abi";
import { markFailed, settleAndCredit } from "./store";

interface StoredPayment {
  version: 1 | 2;
  payload: PaymentPayload;
  requirements: PaymentRequirements;
}

export type Resolution = "settled" | "failed" | "pending";

/** How far back to look for the transfer of an authorization already used (~1 day on Base). */
const LOG_LOOKBACK_BLOCKS = 50_000n;

/**
 * Finishes a payment whose settlement outcome was unknown, from the chain's own record:
 * authorization used → find its transfer to our payee, then settle + credit (once);
 * unused and expired → failed; unused and still valid → settle it now ourselves.
 */
export async function reconcilePayment(ctx: AppContext, payment: Payment): Promise<Resolution> {
  const stored = payment.payload as StoredPayment;
  if (await authorizationUsed(ctx, payment)) {
    const transaction = await findTransfer(ctx, payment);
    if (transaction) {
      await settleAndCredit(ctx.db, payment, transaction);
      return "settled";
    }
    await markFailed(ctx.db, payment.id, "authorization_used_elsewhere");
    return "failed";
  }
  const validBefore = BigInt(
    (stored.payload.payload as { authorization?: { validBefore?: string } }).authorization
      ?.validBefore ?? 0,
  );
  if (validBefore <= BigInt(Math.floor(Date.now() / 1000))) {
    await markFailed(ctx.db, payment.id, "authorization_expired");
    return "failed";
  }
  let result: SettleResponse;
  try {
    result = await ctx.chain.facilitator.settle(stored.payload, stored.requirements);
  } catch {
    return "pending";
  }
  if (result.success && result.transaction) {
    await settleAndCredit(ctx.db, payment, result.transaction);
    return "settled";
  }
  // Lost a race with another settler? The chain knows: look again next round.
  if (await authorizationUsed(ctx, payment)) return "pending";
  await markFailed(ctx.db, payment.id, result.errorReason ?? "settlement_failed");
  return "failed";
}

/** Whether the token has consumed this EIP-3009 authorization (by any transaction). */
function authorizationUsed(ctx: AppContext, payment: Payment): Promise<boolean> {
  return ctx.chain.publicClient.readContract({
    address: ctx.payments.asset.address,
    abi: testUsdcAbi,
    functionName: "authorizationState",
    args: [payment.payer as Address, payment.nonce as Hash],
  });
}

/** The transaction that used this authorization and moved exactly the price to our payee. */
async function findTransfer(ctx: AppContext, payment: Payment): Promise<Hash | undefined> {
  const client = ctx.chain.publicClient;
  const latest = await client.getBlockNumber();
  const logs = await client.getContractEvents({
    address: ctx.payments.asset.address,
    abi: testUsdcAbi,
    eventName: "AuthorizationUsed",
    args: { authorizer: payment.payer as Address, nonce: payment.nonce as Hash },
    fromBlock: latest > LOG_LOOKBACK_BLOCKS ? latest - LOG_LOOKBACK_BLOCKS : 0n,
    toBlock: latest,
  });
  for (const log of logs) {
    const receipt = await client.getTransactionReceipt({ hash: log.transactionHash });
    const transfers = parseEventLogs({
      abi: testUsdcAbi,
      eventName: "Transfer",
      logs: receipt.logs,
    });
    const paid = transfers.some(
      (t) =>
        t.address.toLowerCase() === ctx.payments.asset.address.toLowerCase() &&
        t.args.from.toLowerCase() === payment.payer &&
        t.args.to.toLowerCase() === payment.payTo.toLowerCase() &&
        t.args.value === payment.amount,
    );
    if (paid) return log.transactionHash;
  }
  return undefined;
}

/**
 * Reconciles every pending payment older than `minAgeMs` (younger ones may still be in
 * a request's hands). Returns how each ended.
 */
export async function reconcilePending(ctx: AppContext, minAgeMs: number) {
  const pending = await ctx.db
    .select()
    .from(payments)
    .where(
      and(
        eq(payments.status, "pending"),
        lt(payments.updatedAt, sql`now() - make_interval(secs => ${minAgeMs / 1000})`),
      ),
    )
    .limit(500);
  const tally: Record<Resolution, number> = { settled: 0, failed: 0, pending: 0 };
  for (const payment of pending) {
    try {
      tally[await reconcilePayment(ctx, payment)]++;
    } catch (err) {
      console.error(`reconcile ${payment.id}:`, err);
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
      if (tally.settled + tally.failed > 0) console.info("reconciled payments:", tally);
    } catch (err) {
      console.error("reconciler:", err);
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(tick, ctx.config.chain.reconcileIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
