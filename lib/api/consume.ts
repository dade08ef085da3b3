import { z } from "zod";
import type { AppContext } from "@/lib/app/context";
import { requireProvider } from "@/lib/auth/principal";
import { slugSchema } from "@/lib/endpoints/slug";
import { ApiError } from "@/lib/http/errors";
import { allowMethods } from "@/lib/http/handler";
import { parseJsonBody } from "@/lib/http/json-body";
import { ownEndpoint } from "@/lib/provider/endpoints";
import { parseWallet } from "@/lib/wallet";
import { challengeResponse } from "@/lib/x402/challenge";
import { requireResolvedEndpoint } from "./resolve-endpoint";

export const consumeBody = z
  .object({
    endpoint: slugSchema.meta({ description: "One of your endpoints' slug." }),
    wallet: z.string().meta({ description: "The buyer's wallet, 0x + 40 hex digits." }),
    credits: z
      .number()
      .int()
      .positive()
      .max(1_000_000_000)
      .optional()
      .meta({ description: "Credits to debit; default: the endpoint's creditsPerCall." }),
    idempotencyKey: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,128}$/, "must be 1-128 of A-Z a-z 0-9 _ -")
      .optional()
      .meta({ description: "Debits at most once per key (for this amount) within 24 h." }),
  })
  .strict();

/**
 * POST /api/credits/consume — the credit check alone, for providers who serve their own
 * API: the same ledger operation, 402 body and idempotency as the gateway.
 */
export const handleConsume = allowMethods(["POST"], async (request, ctx: AppContext) => {
  const { address } = await requireProvider(ctx, request);
  const body = await parseJsonBody(request, consumeBody);
  await ownEndpoint(ctx.db, address, body.endpoint);
  const endpoint = await requireResolvedEndpoint(ctx, body.endpoint);
  if (endpoint.paused)
    throw new ApiError("endpoint_paused", `The endpoint "${endpoint.slug}" is paused.`);
  const wallet = parseWallet(body.wallet, "wallet");
  const cost = body.credits === undefined ? endpoint.creditsPerCall : BigInt(body.credits);
  const result = await ctx.debits.debit(
    { endpointId: endpoint.id, wallet },
    {
      credits: cost,
      idempotencyKey: body.idempotencyKey,
      // The key stands for this amount: the same key for another amount is refused.
      requestDigest: body.idempotencyKey && `consume:${cost}`,
      reference: "consume api",
    },
  );
  if (!result.ok) {
    if (result.keyReused) {
      throw new ApiError(
        "idempotency_key_reused",
        "This idempotencyKey was already used for a different amount; nothing was charged.",
      );
    }
    return challengeResponse(ctx.payments, ctx.config.publicUrl, endpoint, {
      error: "insufficient_credits",
      credits: result.balance,
      required: cost,
    });
  }
  return Response.json({
    credits: Number(result.balance),
    charged: result.replayed ? 0 : Number(cost),
    ...(result.replayed && { replayed: true }),
  });
});
