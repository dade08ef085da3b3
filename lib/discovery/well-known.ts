import type { DiscoveryResource, DiscoveryResourcesResponse } from "@x402/extensions/bazaar";
import { sanitizeResourceServiceMetadata } from "@x402/extensions/bazaar";
import { z } from "zod";
import type { ResolvedEndpoint } from "@/lib/endpoints/resolved";
import {
  colonTemplate,
  describeCost,
  distinctRoutes,
  routeCost,
} from "@/lib/endpoints/route-fields";
import { bazaarExtension } from "@/lib/x402/bazaar";
import { describePack, packRequirements, purchaseUrl } from "@/lib/x402/challenge";
import { challengeDiscovery } from "@/lib/x402/challenge-discovery";
import type { PaymentSettings } from "@/lib/x402/settings";
import type { ListedEndpoint } from "./listing";

export const WELL_KNOWN_PAGE_MAX = 1000;

export const wellKnownQuery = z.object({
  limit: z.coerce.number().int().min(1).max(WELL_KNOWN_PAGE_MAX).default(WELL_KNOWN_PAGE_MAX),
  offset: z.coerce.number().int().min(0).default(0),
});

/**
 * A facilitator's discovery list (`x402Version`, `items`, `pagination`: what the Bazaar
 * client's listResources reads), plus `version` 1 and `resources` (the items' URLs), the
 * older well-known form some crawlers read. Both describe the same page of resources.
 */
export type WellKnownX402 = DiscoveryResourcesResponse & {
  version: 1;
  resources: string[];
  instructions: string;
};

/**
 * The gateway resources of one endpoint: one per declared route (its URL as x402 catalogs
 * spell route templates, `/e/SLUG/items/:id`), or the endpoint itself when none are
 * declared. Paying one buys the default pack and serves the call.
 */
function gatewayItems(
  payments: PaymentSettings,
  publicUrl: string,
  { endpoint, updatedAt }: ListedEndpoint,
): DiscoveryResource[] {
  const pack = endpoint.defaultPack;
  if (!pack) return [];
  const routes = distinctRoutes(endpoint.apiSchema?.routes ?? []);
  const calls =
    routes.length > 0
      ? routes.map((route) => ({
          method: route.method,
          path: `/e/${endpoint.slug}${route.path}`,
          route,
          summary: route.summary,
          cost: routeCost(route, endpoint),
        }))
      : [
          {
            method: "GET",
            path: `/e/${endpoint.slug}`,
            cost: { credits: endpoint.creditsPerCall, metered: endpoint.metered },
          },
        ];
  const accepts = [packRequirements(payments, endpoint, pack)];
  // Routes of methods x402 catalogs cannot describe (OPTIONS) are left to the OpenAPI.
  return calls.flatMap((call) => {
    const extensions = bazaarExtension(call);
    if (Object.keys(extensions).length === 0) return [];
    const summary = "summary" in call && call.summary ? `${call.summary}: ` : "";
    return {
      resource: `${publicUrl}${colonTemplate(call.path)}`,
      type: "http",
      x402Version: 2,
      accepts,
      lastUpdated: updatedAt.toISOString(),
      description: `${summary}${endpoint.name}, ${describeCost(call.cost)} a call (${describePack(endpoint, pack)})`,
      ...metadata(publicUrl, endpoint),
      extensions,
    };
  });
}

/** The purchase URL of each pack: paying it credits the pack, without a call. */
function packItems(
  payments: PaymentSettings,
  publicUrl: string,
  { endpoint, updatedAt }: ListedEndpoint,
): DiscoveryResource[] {
  return endpoint.packs.map((pack) => ({
    resource: purchaseUrl(publicUrl, endpoint.slug, pack.id),
    type: "http",
    x402Version: 2,
    accepts: [packRequirements(payments, endpoint, pack)],
    lastUpdated: updatedAt.toISOString(),
    description: describePack(endpoint, pack),
    mimeType: "application/json",
    ...metadata(publicUrl, endpoint),
    extensions: challengeDiscovery(payments, endpoint, pack, undefined),
  }));
}

function metadata(publicUrl: string, endpoint: ResolvedEndpoint) {
  return sanitizeResourceServiceMetadata({ url: publicUrl, serviceName: endpoint.name });
}

/** GET /.well-known/x402: the paid resources of every active endpoint, a page at a time. */
export function wellKnownX402(
  payments: PaymentSettings,
  publicUrl: string,
  listed: readonly ListedEndpoint[],
  page: z.infer<typeof wellKnownQuery>,
): WellKnownX402 {
  const all = listed.flatMap((entry) => [
    ...gatewayItems(payments, publicUrl, entry),
    ...packItems(payments, publicUrl, entry),
  ]);
  const items = all.slice(page.offset, page.offset + page.limit);
  return {
    x402Version: 2,
    items,
    pagination: { limit: page.limit, offset: page.offset, total: all.length },
    version: 1,
    resources: [...new Set(items.map((item) => item.resource))],
    instructions: `Credits for APIs, paid with x402: see ${publicUrl}/llms.txt and ${publicUrl}/openapi.json.`,
  };
}
