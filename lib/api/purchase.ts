import type { AppContext } from "@/lib/app/context";
import { ApiError } from "@/lib/http/errors";
import { allowMethods } from "@/lib/http/handler";
import { parseJsonBody } from "@/lib/http/json-body";
import { parseQuery } from "@/lib/http/query";
import { isConnectionFailure } from "@/lib/ledger";
import { claimedPayer, paymentHeader } from "@/lib/purchase/payment-header";
import { databaseUnavailable, purchaseWithHeader } from "@/lib/purchase/purchase";
import { purchaseResponse } from "@/lib/purchase/response";
import { purchaseBody, purchaseQuery } from "@/lib/purchase/target";
import { withPurchaseLimits } from "@/lib/rate-limit/purchase";
import { challengeResponse } from "@/lib/x402/challenge";
import { requireResolvedEndpoint } from "./resolve-endpoint";

/**
 * POST /api/credits/purchase?endpoint=SLUG&pack=PACK — the purchaseUrl. Without payment:
 * the 402 for that pack. With PAYMENT-SIGNATURE (v2) or X-PAYMENT (v1): settle and credit.
 */
export const handlePurchase = allowMethods(["POST", "GET"], async (request, ctx: AppContext) => {
  const { slug, packId } = await target(request);
  const endpoint = await requireResolvedEndpoint(ctx, slug).catch((err: unknown) => {
    if (isConnectionFailure(err)) throw databaseUnavailable();
    throw err;
  });
  if (endpoint.paused) {
    throw new ApiError("endpoint_paused", `The endpoint "${slug}" is paused by its provider.`);
  }
  const pack = packId ? endpoint.packs.find((p) => p.id === packId) : endpoint.defaultPack;
  if (!pack)
    throw new ApiError(
      "not_found",
      `The endpoint "${slug}" has no pack "${packId ?? "(default)"}".`,
    );
  const header = paymentHeader(request.headers);
  if (!header) {
    return challengeResponse(ctx.payments, ctx.config.publicUrl, endpoint, {
      error: "payment_required",
      pack,
    });
  }
  const outcome = await withPurchaseLimits(ctx, request, claimedPayer(header), () =>
    purchaseWithHeader(ctx, endpoint, pack, header),
  );
  return purchaseResponse(ctx, endpoint, pack, outcome, header.version);
});

async function target(request: Request): Promise<{ slug: string; packId?: string }> {
  const query = parseQuery(new URL(request.url), purchaseQuery);
  if (query.endpoint) return { slug: query.endpoint, packId: query.pack };
  if (request.method !== "POST" || request.headers.get("content-length") === "0") {
    throw new ApiError(
      "bad_request",
      'Name the endpoint: ?endpoint=SLUG&pack=PACK or a JSON body {"endpoint", "packId"}.',
    );
  }
  const body = await parseJsonBody(request, purchaseBody);
  return { slug: body.endpoint, packId: body.packId };
}
