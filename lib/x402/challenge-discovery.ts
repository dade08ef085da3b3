import { z } from "zod";
import type { Pack, ResolvedEndpoint } from "@/lib/endpoints/resolved";
import { findRoute } from "@/lib/endpoints/route-fields";
import { purchaseBody } from "@/lib/purchase/target";
import { bazaarExtension } from "./bazaar";
import type { PaymentSettings } from "./settings";

/** The gateway request a 402 answers. */
export interface GatewayCall {
  method: string;
  /** The normalised path after the slug, as priced. */
  path: string;
  contentType?: string | null;
}

const { $schema: _, ...purchaseBodySchema } = z.toJSONSchema(purchaseBody, { io: "input" });

/**
 * The Bazaar extension a 402 declares. A gateway 402 describes the call it answers (so a
 * catalog lists the gateway route, whose payment buys the pack and serves the call); any
 * other 402 describes the purchase of its pack.
 */
export function challengeDiscovery(
  payments: PaymentSettings,
  endpoint: ResolvedEndpoint,
  pack: Pack | undefined,
  call: GatewayCall | undefined,
) {
  if (call) {
    const route = findRoute(endpoint.apiSchema, endpoint.routes, call.method, call.path);
    return bazaarExtension({
      method: call.method,
      path: `/e/${endpoint.slug}${route ? route.path : call.path}`,
      route,
      contentType: call.contentType,
    });
  }
  return bazaarExtension({
    method: "POST",
    path: "/api/credits/purchase",
    body: {
      example: { endpoint: endpoint.slug, ...(pack && { packId: pack.id }) },
      schema: purchaseBodySchema,
    },
    ...(pack && {
      output: {
        credits: Number(pack.credits),
        endpoint: endpoint.slug,
        purchased: {
          pack: pack.id,
          credits: Number(pack.credits),
          amount: pack.price.toString(),
          network: payments.network,
        },
      },
    }),
  });
}
