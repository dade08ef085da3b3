import { encodePaymentRequiredHeader } from "@x402/core/http";
import type { PaymentRequired, PaymentRequirements } from "@x402/core/types";
import {
  declarePaymentIdentifierExtension,
  PAYMENT_IDENTIFIER,
} from "@x402/extensions/payment-identifier";
import type { Pack, ResolvedEndpoint } from "@/lib/endpoints/resolved";
import { formatUsdc } from "@/lib/money";
import { checksumWallet } from "@/lib/wallet";
import { challengeDiscovery, type GatewayCall } from "./challenge-discovery";
import type { PaymentSettings } from "./settings";

export function purchaseUrl(publicUrl: string, slug: string, packId: string): string {
  return `${publicUrl}/api/credits/purchase?endpoint=${encodeURIComponent(slug)}&pack=${encodeURIComponent(packId)}`;
}

/** A pack as every API answer shows it: the 402 body, packs, the catalog, discovery. */
export function packView(
  publicUrl: string,
  slug: string,
  p: Pick<Pack, "id" | "name" | "credits" | "price">,
) {
  return {
    id: p.id,
    name: p.name,
    credits: Number(p.credits),
    price: formatUsdc(p.price),
    amount: p.price.toString(),
    purchaseUrl: purchaseUrl(publicUrl, slug, p.id),
  };
}

/**
 * The x402 `exact` terms for one pack: exactly what the purchase endpoint will accept.
 * `extra` names the pack and its credits: a v2 client echoes them back in `accepted`, so a
 * purchase credits what this challenge offered, or is refused if the pack has changed.
 */
export function packRequirements(
  payments: PaymentSettings,
  endpoint: ResolvedEndpoint,
  pack: Pack,
): PaymentRequirements {
  return {
    scheme: "exact",
    network: payments.network as PaymentRequirements["network"],
    amount: pack.price.toString(),
    asset: payments.asset.address,
    payTo: checksumWallet(endpoint.payTo),
    maxTimeoutSeconds: payments.maxTimeoutSeconds,
    extra: {
      name: payments.asset.name,
      version: payments.asset.version,
      pack: pack.id,
      credits: pack.credits.toString(),
    },
  };
}

export function describePack(endpoint: ResolvedEndpoint, pack: Pack): string {
  return `${pack.name} pack: ${pack.credits} credits for ${endpoint.slug}`;
}

/** The v2 PaymentRequired for a pack (the PAYMENT-REQUIRED header's content). */
export function paymentRequired(
  payments: PaymentSettings,
  publicUrl: string,
  endpoint: ResolvedEndpoint,
  pack: Pack | undefined,
  error: string,
): PaymentRequired {
  const url = pack
    ? purchaseUrl(publicUrl, endpoint.slug, pack.id)
    : `${publicUrl}/api/credits/packs?endpoint=${endpoint.slug}`;
  return {
    x402Version: 2,
    error,
    resource: {
      url,
      description: pack ? describePack(endpoint, pack) : `Credits for ${endpoint.slug}`,
      mimeType: "application/json",
    },
    accepts: pack ? [packRequirements(payments, endpoint, pack)] : [],
  };
}

/** The same terms in x402 v1's shape, for clients that read only the body. */
function v1Accepts(required: PaymentRequired, v1Network: string, endpoint: ResolvedEndpoint) {
  return required.accepts.map((r) => ({
    scheme: r.scheme,
    network: v1Network,
    maxAmountRequired: r.amount,
    resource: required.resource.url,
    description: required.resource.description,
    mimeType: "application/json",
    payTo: r.payTo,
    maxTimeoutSeconds: r.maxTimeoutSeconds,
    asset: r.asset,
    outputSchema: { input: { type: "http", method: "POST" }, output: { endpoint: endpoint.slug } },
    extra: r.extra,
  }));
}

export interface ChallengeFacts {
  error: string;
  /** The wallet's credits now, and what the call needed (gateway 402s). */
  credits?: bigint;
  required?: bigint;
  /** The pack being bought (purchase 402s); default: the endpoint's default pack. */
  pack?: Pack;
  /** Why a presented payment was refused, for people reading the body. */
  message?: string;
  /** x402 extensions to declare (e.g. sign-in-with-x on gateway 402s). */
  extensions?: Record<string, unknown>;
  /** More fields for people reading the body (e.g. where to get a wallet token). */
  body?: Record<string, unknown>;
  /** The gateway call answered (gateway 402s): what the Bazaar extension describes. */
  call?: GatewayCall;
}

/**
 * The 402 answer: the v2 challenge in PAYMENT-REQUIRED, and a body that v1 clients can
 * read too (v1 shape on networks with a v1 name, else the v2 object), plus our fields.
 */
export function challengeResponse(
  payments: PaymentSettings,
  publicUrl: string,
  endpoint: ResolvedEndpoint,
  facts: ChallengeFacts,
): Response {
  const pack = facts.pack ?? endpoint.defaultPack;
  const base = paymentRequired(payments, publicUrl, endpoint, pack, facts.error);
  // Every challenge that asks for payment takes an x402 payment-identifier (optional): the
  // client's idempotency key for the payment it makes (enforced in purchasePack). Every one
  // describes itself to x402 catalogs (Bazaar).
  const required = {
    ...base,
    extensions: {
      ...challengeDiscovery(payments, endpoint, pack, facts.call),
      ...(pack && { [PAYMENT_IDENTIFIER]: declarePaymentIdentifierExtension(false) }),
      ...facts.extensions,
    },
  };
  const v1Name = payments.info.v1Name;
  const protocol = v1Name
    ? { x402Version: 1, error: facts.error, accepts: v1Accepts(required, v1Name, endpoint) }
    : required;
  const body = {
    ...protocol,
    ...(facts.message && { message: facts.message }),
    ...facts.body,
    purchaseUrl: required.resource.url,
    packs: endpoint.packs.map((p) => packView(publicUrl, endpoint.slug, p)),
    endpoint: endpoint.slug,
    ...(facts.credits !== undefined && { credits: Number(facts.credits) }),
    ...(facts.required !== undefined && { required: Number(facts.required) }),
    ...(endpoint.apiSchema &&
      endpoint.apiSchema.routes.length > 0 && { api_schema: endpoint.apiSchema }),
  };
  return Response.json(body, {
    status: 402,
    headers: {
      "payment-required": encodePaymentRequiredHeader(required),
      "cache-control": "no-store",
    },
  });
}
