import type { SettleResponse } from "@x402/core/types";
import type { Payment } from "@/db/schema";
import type { AppContext } from "@/lib/app/context";
import type { Pack, ResolvedEndpoint } from "@/lib/endpoints/resolved";
import { ApiError } from "@/lib/http/errors";
import { isConnectionFailure } from "@/lib/ledger";
import { log } from "@/lib/log/logger";
import { countPurchase } from "@/lib/metrics/metrics";
import { InvalidPayment, type PresentedPayment, parsePayment } from "./payment-header";
import { paymentIdentifierReused } from "./payment-identifier";
import { receiptOf } from "./receipt";
import { reconcilePayment } from "./reconcile";
import { recordAttempt } from "./record";
import { refusal } from "./refusals";
import { requirementsFor } from "./requirements";
import { attemptSettlement, verifyPayment } from "./settlement";
import {
  balanceAfterPurchase,
  findByAuthorization,
  findByPaymentIdentifier,
  findPayment,
  recordPending,
  retryFailed,
} from "./store";
import { liveTerms, sameAuthorization, termsMismatch } from "./terms";

export type PurchaseOutcome =
  | {
      kind: "settled";
      payment: Payment;
      balance: bigint;
      receipt: SettleResponse;
      /** Settled by this very request: only then is the payment proof of the wallet. */
      settledNow: boolean;
    }
  | { kind: "pending"; payment: Payment }
  | { kind: "invalid"; reason: string; message: string };

/**
 * Buys `pack` with a presented x402 payment, crediting the payer exactly once: our own
 * terms (no chain call) → the endpoint and pack as they are now (paused, deleted, changed
 * terms: refused before settlement) → verify → record pending → settle → settled and
 * credited in one transaction. Whenever USDC may have moved the answer is `pending` and
 * the reconciler finishes it from the chain; the same authorization presented again lands
 * on the same row and gets its outcome, but only when it is the payload that was recorded.
 *
 * A payment-identifier is the payer's idempotency key at this endpoint, bound to the first
 * payment recorded under it (database-enforced): the same payment under it gets that
 * payment's outcome; any other (another authorization or signature, or another pack) is
 * refused with 409 `payment_identifier_reused` before anything is verified or settled.
 */
export async function purchasePack(
  ctx: AppContext,
  endpoint: ResolvedEndpoint,
  pack: Pack,
  presented: PresentedPayment,
): Promise<PurchaseOutcome> {
  const mismatch = termsMismatch(ctx, endpoint, pack, presented);
  if (mismatch) return countPurchase(invalid(mismatch.reason, mismatch.message));
  try {
    return await countPurchase(buy(ctx, endpoint, pack, presented));
  } catch (err) {
    if (!isConnectionFailure(err)) throw err;
    log().error(
      { err, endpoint: endpoint.slug, pack: pack.id, payer: presented.authorization.from },
      "purchase: database unavailable",
    );
    throw databaseUnavailable();
  }
}

async function buy(
  ctx: AppContext,
  endpoint: ResolvedEndpoint,
  pack: Pack,
  presented: PresentedPayment,
): Promise<PurchaseOutcome> {
  const auth = presented.authorization;
  const key = {
    network: ctx.payments.network,
    asset: ctx.payments.asset.address.toLowerCase(),
    payer: auth.from.toLowerCase(),
    nonce: auth.nonce.toLowerCase(),
  };
  const known = await findByAuthorization(ctx.db, key);
  const holder = presented.paymentId
    ? await findByPaymentIdentifier(ctx.db, {
        endpointId: endpoint.id,
        payer: key.payer,
        paymentIdentifier: presented.paymentId,
      })
    : undefined;
  if (holder && !samePayment(holder, pack, presented)) throw paymentIdentifierReused();
  if (known) {
    const elsewhere = boughtElsewhere(known, endpoint, pack);
    if (elsewhere) return elsewhere;
    // Only the very payload that was recorded gets its outcome; anything else rebuilt from
    // public chain data (payer, nonce, amount) must pass verification like a new payment.
    if (known.status !== "failed" && sameAuthorization(known, presented)) {
      return outcomeOf(ctx, known, presented.version, true);
    }
  }

  const live = await liveTerms(ctx, endpoint, pack, presented);
  if (live.kind === "refused") return invalid(live.reason, live.message);

  const requirements = requirementsFor(ctx, endpoint, pack, presented.version);
  const verified = await verifyPayment(ctx.chain.facilitator, presented.payload, requirements);
  const who = { endpoint: endpoint.slug, pack: pack.id, payer: key.payer, nonce: key.nonce };
  if (verified.kind === "unavailable") {
    log().warn({ ...who, detail: verified.detail }, "purchase: facilitator unavailable at verify");
    throw facilitatorUnavailable();
  }
  if (verified.kind === "refused") {
    log().info(
      { ...who, reason: verified.reason, detail: verified.detail },
      "purchase: refused at verify",
    );
    // The same payload racing with itself: another request recorded and settled it
    // between our lookup and our verify. Its outcome is ours.
    const now = known ?? (await findByAuthorization(ctx.db, key));
    if (now && now.status !== "failed" && sameAuthorization(now, presented)) {
      return boughtElsewhere(now, endpoint, pack) ?? outcomeOf(ctx, now, presented.version, true);
    }
    // An earlier attempt of ours may have used it after all: the chain has the last word.
    const failed = known?.status === "failed" ? known : undefined;
    if (failed && (await reconcilePayment(ctx, failed).catch(() => "failed")) === "settled") {
      return outcomeOf(ctx, failed, presented.version, false);
    }
    return invalid(verified.reason);
  }

  const stored = { version: presented.version, payload: presented.payload, requirements };
  const row = await recordPending(ctx.db, {
    ...key,
    endpointId: endpoint.id,
    packId: pack.id,
    credits: live.credits,
    payTo: endpoint.payTo,
    amount: pack.price,
    paymentIdentifier: presented.paymentId,
    payload: stored,
  });
  // Another authorization took the id between our lookup and our insert: it settles, we don't.
  if (row.kind === "identifier_taken") throw paymentIdentifierReused();
  const payment = row.payment;
  if (row.kind === "existing") {
    const elsewhere = boughtElsewhere(payment, endpoint, pack);
    if (elsewhere) return elsewhere;
    const mine = payment.status === "failed" && (await retryFailed(ctx.db, payment.id, stored));
    if (!mine) return outcomeOf(ctx, payment, presented.version, true);
  }
  const attempt = await attemptSettlement(
    ctx.chain.facilitator,
    presented.payload,
    requirements,
    ctx.config.chain.facilitatorTimeoutMs,
  );
  const recorded = await recordAttempt(ctx, { ...payment, payload: stored }, attempt);
  switch (recorded.kind) {
    case "settled":
      return {
        ...recorded,
        receipt: receiptOf(ctx.payments, recorded.payment, presented.version),
        settledNow: attempt.kind === "settled",
      };
    case "pending":
      return recorded;
    case "refused":
      return invalid(recorded.reason, recorded.message);
    case "unavailable":
      throw facilitatorUnavailable();
  }
}

/** `purchasePack` for a raw payment header; an undecodable one is an `invalid` outcome. */
export async function purchaseWithHeader(
  ctx: AppContext,
  endpoint: ResolvedEndpoint,
  pack: Pack,
  header: { version: 1 | 2; value: string },
): Promise<PurchaseOutcome> {
  try {
    return await purchasePack(ctx, endpoint, pack, parsePayment(header));
  } catch (err) {
    if (err instanceof InvalidPayment) return invalid(err.reason, err.message);
    throw err;
  }
}

/**
 * Whether `presented` is the payment recorded in `payment`, for its payment-identifier:
 * the same pack, and the same EIP-3009 authorization and signature (compared as values, so
 * a client or proxy that re-encodes the JSON around them still presents the same payment).
 */
function samePayment(payment: Payment, pack: Pack, presented: PresentedPayment): boolean {
  return payment.packId === pack.id && sameAuthorization(payment, presented);
}

/** An authorization already recorded for another endpoint or pack buys nothing here. */
function boughtElsewhere(
  payment: Payment,
  endpoint: ResolvedEndpoint,
  pack: Pack,
): PurchaseOutcome | undefined {
  if (payment.endpointId === endpoint.id && payment.packId === pack.id) return undefined;
  return invalid("invalid_exact_evm_nonce_already_used");
}

/**
 * What an existing payment means for a resubmission: settled → the same answer; pending
 * → wait a little for whoever is settling it; failed → its reason.
 */
async function outcomeOf(
  ctx: AppContext,
  payment: Payment,
  version: 1 | 2,
  wait: boolean,
): Promise<PurchaseOutcome> {
  let current = payment;
  const deadline = Date.now() + (wait ? ctx.config.chain.facilitatorTimeoutMs + 1_000 : 0);
  while (current.status === "pending" && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    current = (await findPayment(ctx.db, payment.id)) ?? current;
  }
  // Presented again long after an unknown outcome: settle the question with the chain now.
  const age = Date.now() - current.updatedAt.getTime();
  if (current.status === "pending" && age > ctx.config.chain.facilitatorTimeoutMs) {
    await reconcilePayment(ctx, current).catch((err) =>
      log().warn({ err, paymentId: current.id }, "payment: reconcile on resubmission failed"),
    );
    current = (await findPayment(ctx.db, payment.id)) ?? current;
  }
  if (current.status === "settled" && current.transaction) {
    return {
      kind: "settled",
      payment: current,
      balance: await balanceAfterPurchase(ctx.db, current),
      receipt: receiptOf(ctx.payments, current, version),
      settledNow: false,
    };
  }
  if (current.status === "failed") return invalid(current.failureReason ?? "settlement_failed");
  return { kind: "pending", payment: current };
}

function invalid(reason: string, message?: string): PurchaseOutcome {
  return { kind: "invalid", ...refusal(reason, message) };
}

function facilitatorUnavailable(): ApiError {
  return new ApiError(
    "facilitator_unavailable",
    "The chain or the payment facilitator is unavailable; nothing was charged. Retry shortly.",
    undefined,
    { "retry-after": "5" },
  );
}

export function databaseUnavailable(): ApiError {
  return new ApiError(
    "ledger_unavailable",
    "The credit ledger is unavailable; nothing was charged. Retry shortly.",
    undefined,
    { "retry-after": "2" },
  );
}
