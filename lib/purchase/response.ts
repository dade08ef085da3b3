import { encodePaymentResponseHeader } from "@x402/core/http";
import type { AppContext } from "@/lib/app/context";
import type { Pack, ResolvedEndpoint } from "@/lib/endpoints/resolved";
import type { PurchaseOutcome } from "@/lib/purchase/purchase";
import { checksumWallet } from "@/lib/wallet";
import { challengeResponse } from "@/lib/x402/challenge";

/** The settlement receipt header in the client's wire version. */
export function receiptHeaders(
  outcome: Extract<PurchaseOutcome, { kind: "settled" }>,
  version: 1 | 2,
): Record<string, string> {
  const encoded = encodePaymentResponseHeader(outcome.receipt);
  return version === 2 ? { "payment-response": encoded } : { "x-payment-response": encoded };
}

/** Maps a purchase outcome to the contract's answers: 200 receipt, 202 pending, 402 refused. */
export function purchaseResponse(
  ctx: AppContext,
  endpoint: ResolvedEndpoint,
  pack: Pack | undefined,
  outcome: PurchaseOutcome,
  version: 1 | 2,
): Response {
  if (outcome.kind === "invalid") {
    return challengeResponse(ctx.payments, ctx.config.publicUrl, endpoint, {
      error: outcome.reason,
      message: outcome.message,
      pack,
    });
  }
  if (outcome.kind === "pending") {
    return Response.json(
      {
        status: "pending",
        paymentId: outcome.payment.id,
        statusUrl: `${ctx.config.publicUrl}/api/credits/purchases/${outcome.payment.id}`,
        message:
          "Settlement is not confirmed yet; it will be reconciled with the chain. Do not pay again.",
      },
      { status: 202, headers: { "retry-after": "2" } },
    );
  }
  if (!pack) throw new Error("a settled purchase always has a pack");
  return Response.json(
    {
      credits: Number(outcome.balance),
      endpoint: endpoint.slug,
      purchased: {
        pack: pack.id,
        credits: Number(pack.credits),
        amount: pack.price.toString(),
        network: ctx.payments.network,
        payer: checksumWallet(outcome.payment.payer),
        transaction: outcome.payment.transaction,
      },
      paymentId: outcome.payment.id,
    },
    { headers: receiptHeaders(outcome, version) },
  );
}
