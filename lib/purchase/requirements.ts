import type { PaymentRequirements } from "@x402/core/types";
import type { AppContext } from "@/lib/app/context";
import type { Pack, ResolvedEndpoint } from "@/lib/endpoints/resolved";
import { describePack, packRequirements, purchaseUrl } from "@/lib/x402/challenge";

/**
 * The terms a presented payment is verified against: the v2 requirements, or for a v1
 * payment the same terms in v1's shape (named network, maxAmountRequired, resource).
 */
export function requirementsFor(
  ctx: AppContext,
  endpoint: ResolvedEndpoint,
  pack: Pack,
  version: 1 | 2,
): PaymentRequirements {
  const v2 = packRequirements(ctx.payments, endpoint, pack);
  if (version === 2) return v2;
  const v1 = {
    scheme: v2.scheme,
    network: ctx.payments.info.v1Name ?? v2.network,
    maxAmountRequired: v2.amount,
    resource: purchaseUrl(ctx.config.publicUrl, endpoint.slug, pack.id),
    description: describePack(endpoint, pack),
    mimeType: "application/json",
    payTo: v2.payTo,
    maxTimeoutSeconds: v2.maxTimeoutSeconds,
    asset: v2.asset,
    extra: v2.extra,
  };
  // The facilitator dispatches on the payload's version and reads v1 fields from v1 terms.
  return v1 as unknown as PaymentRequirements;
}
