import type { SettleResponse } from "@x402/core/types";
import type { Payment } from "@/db/schema";
import type { AppContext } from "@/lib/app/context";
import type { Pack, ResolvedEndpoint } from "@/lib/endpoints/resolved";
import { ApiError } from "@/lib/http/errors";
import { InvalidPayment, type PresentedPayment, parsePayment } from "./payment-header";
import { reconcilePayment } from "./reconcile";
import { requirementsFor } from "./requirements";
import {
  balanceAfterPurchase,
  findByAuthorization,
  findPayment,
  markFailed,
  recordPending,
  retryFailed,
  settleAndCredit,
} from "./store";

export type PurchaseOutcome =
  | { kind: "settled"; payment: Payment; balance: bigint; receipt: SettleResponse }
  | { kind: "pending"; payment: Payment }
  | { kind: "invalid"; reason: string; message: string };

/**
 * Buys `pack` with a presented x402 payment, crediting the payer exactly once:
 * check the terms → verify → record pending → settle → settled + credited in one
 * transaction. A definite failure marks it failed; an unknown outcome (timeout, crash)
 * stays pending for the reconciler, and the client is never asked to pay twice for the
 * same authorization: every resubmission lands on the same row and gets its outcome.
 */
export async function purchasePack(
  ctx: AppContext,
  endpoint: ResolvedEndpoint,
  pack: Pack,
  presented: PresentedPayment,
): Promise<PurchaseOutcome> {
  const requirements = requirementsFor(ctx, endpoint, pack, presented.version);
  const mismatch = termsMismatch(ctx, endpoint, pack, presented);
  if (mismatch) return mismatch;

  const auth = presented.authorization;
  const key = {
    network: ctx.payments.network,
    asset: ctx.payments.asset.address.toLowerCase(),
    payer: auth.from.toLowerCase(),
    nonce: auth.nonce.toLowerCase(),
  };
  const known = await findByAuthorization(ctx.db, key);
  if (known && known.status !== "failed") return outcomeOf(ctx, known, true);

  const verified = await facilitatorCall(() =>
    ctx.chain.facilitator.verify(presented.payload, requirements),
  );
  if (!verified.isValid) {
    return invalid(verified.invalidReason ?? "invalid_payment", verified.invalidMessage);
  }

  const { payment, created } = await recordPending(ctx.db, {
    ...key,
    endpointId: endpoint.id,
    packId: pack.id,
    credits: pack.credits,
    payTo: endpoint.payTo,
    amount: pack.price,
    paymentIdentifier: presented.paymentId,
    payload: { version: presented.version, payload: presented.payload, requirements },
  });
  if (!created) {
    const mine = payment.status === "failed" && (await retryFailed(ctx.db, payment.id));
    if (!mine) return outcomeOf(ctx, payment, true);
  }
  return settle(ctx, payment, presented, requirements);
}

async function settle(
  ctx: AppContext,
  payment: Payment,
  presented: PresentedPayment,
  requirements: ReturnType<typeof requirementsFor>,
): Promise<PurchaseOutcome> {
  let result: SettleResponse;
  try {
    result = await withTimeout(
      ctx.chain.facilitator.settle(presented.payload, requirements),
      ctx.config.chain.facilitatorTimeoutMs,
    );
  } catch (err) {
    // Unknown outcome: the transfer may or may not have happened. Keep it pending.
    console.warn(`payment ${payment.id}: settlement outcome unknown (${(err as Error).message})`);
    return { kind: "pending", payment };
  }
  if (!result.success || !result.transaction) {
    const reason = result.errorReason ?? "settlement_failed";
    await markFailed(ctx.db, payment.id, reason);
    return invalid(reason, result.errorMessage);
  }
  const balance = await settleAndCredit(ctx.db, payment, result.transaction);
  return {
    kind: "settled",
    payment: { ...payment, status: "settled", transaction: result.transaction },
    balance,
    receipt: result,
  };
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
 * What an existing payment means for a resubmission: settled → the same answer; pending
 * → wait a little for whoever is settling it; failed → its reason.
 */
async function outcomeOf(
  ctx: AppContext,
  payment: Payment,
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
    await reconcilePayment(ctx, current);
    current = (await findPayment(ctx.db, payment.id)) ?? current;
  }
  if (current.status === "settled" && current.transaction) {
    return {
      kind: "settled",
      payment: current,
      balance: await balanceAfterPurchase(ctx.db, current),
      receipt: receiptOf(ctx, current),
    };
  }
  if (current.status === "failed") return invalid(current.failureReason ?? "settlement_failed");
  return { kind: "pending", payment: current };
}

export function receiptOf(ctx: AppContext, payment: Payment): SettleResponse {
  return {
    success: true,
    transaction: payment.transaction ?? "",
    network: ctx.payments.network as SettleResponse["network"],
    payer: payment.payer,
  };
}

/** Our own checks first, for clear reasons before any chain call. */
function termsMismatch(
  ctx: AppContext,
  endpoint: ResolvedEndpoint,
  pack: Pack,
  presented: PresentedPayment,
): PurchaseOutcome | undefined {
  const expectedNetwork = presented.version === 1 ? ctx.payments.info.v1Name : ctx.payments.network;
  if (presented.network !== expectedNetwork) {
    return invalid(
      "invalid_network",
      `This server takes payments on ${expectedNetwork ?? ctx.payments.network}.`,
    );
  }
  const accepted = (presented.payload as { accepted?: { asset?: string } }).accepted;
  if (
    presented.version === 2 &&
    accepted?.asset?.toLowerCase() !== ctx.payments.asset.address.toLowerCase()
  ) {
    return invalid("invalid_asset", `Packs are paid in ${ctx.payments.asset.address}.`);
  }
  const auth = presented.authorization;
  if (auth.to.toLowerCase() !== endpoint.payTo.toLowerCase()) {
    return invalid(
      "invalid_exact_evm_payload_recipient_mismatch",
      "The payment is not to this endpoint's payout address.",
    );
  }
  if (BigInt(auth.value) !== pack.price) {
    return invalid(
      "invalid_exact_evm_payload_authorization_value",
      `The ${pack.name} pack costs exactly ${pack.price} atomic units.`,
    );
  }
  return undefined;
}

function invalid(reason: string, message?: string): PurchaseOutcome {
  return { kind: "invalid", reason, message: message ?? `The payment was refused: ${reason}.` };
}

async function facilitatorCall<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    console.error("facilitator unavailable:", err);
    throw new ApiError(
      "facilitator_unavailable",
      "The payment facilitator is unavailable; nothing was charged.",
      undefined,
      {
        "retry-after": "5",
      },
    );
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
