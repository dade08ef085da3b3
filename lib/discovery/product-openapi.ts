import { z } from "zod";
import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
} from "zod-openapi";
import { balanceQuery } from "@/lib/api/balance";
import { catalogQuery } from "@/lib/api/catalog";
import { consumeBody } from "@/lib/api/consume";
import { faucetBody } from "@/lib/api/faucet";
import { packsQuery } from "@/lib/api/packs";
import { purchaseIdSchema } from "@/lib/api/purchase-status";
import { nonceQuery, signedMessageSchema } from "@/lib/auth/handlers";
import { slugSchema } from "@/lib/endpoints/slug";
import { purchaseBody, purchaseQuery } from "@/lib/purchase/target";
import { gatewayHeaders, gatewayResponses, receiptHeaders, walletTokenScheme } from "./gateway-doc";
import { errorResponses, paymentRequiredResponse } from "./responses";
import {
  balanceAll,
  balanceOne,
  catalogAnswer,
  chainConfig,
  consumed,
  faucetAnswer,
  nonceAnswer,
  packsAnswer,
  paymentRequired,
  purchased,
  purchasePending,
  purchaseStatus,
  requestHeaders,
  responseHeaders,
  walletToken,
} from "./schemas";

export interface ProductFacts {
  publicUrl: string;
  /** The faucet exists only on the devnet. */
  devnet: boolean;
}

const json = (schema: z.ZodType) => ({ content: { "application/json": { schema } } });
const walletHeader = z.object({ "x-wallet-address": requestHeaders["x-wallet-address"] });
const paymentHeaders = z.object({
  "PAYMENT-SIGNATURE": requestHeaders["PAYMENT-SIGNATURE"].optional(),
  "X-PAYMENT": requestHeaders["X-PAYMENT"].optional(),
});
const slugPath = z.object({ slug: slugSchema.meta({ description: "The endpoint's slug." }) });

const purchase: ZodOpenApiOperationObject = {
  tags: ["Credits"],
  summary: "Buy a credit pack (the purchaseUrl)",
  description:
    "Without a payment: the 402 challenge for the pack. With an x402 payment (v2 PAYMENT-SIGNATURE or v1 X-PAYMENT): settles it on chain and credits the payer. The same payment presented again gets the same answer, credited once; the x402 payment-identifier extension works as an idempotency key.",
  requestParams: { query: purchaseQuery, header: paymentHeaders },
  requestBody: { required: false, ...json(purchaseBody) },
  responses: {
    "200": {
      description: "Settled: the pack is credited to the payer.",
      headers: receiptHeaders,
      ...json(purchased),
    },
    "202": {
      description:
        "Settlement not confirmed yet; it is reconciled with the chain. Do not pay again: poll statusUrl.",
      headers: z.object({ "Retry-After": responseHeaders["Retry-After"] }),
      ...json(purchasePending),
    },
    "402": paymentRequiredResponse,
    ...errorResponses([
      "bad_request",
      "invalid_json",
      "invalid_field",
      "payload_too_large",
      "not_found",
      "endpoint_not_found",
      "endpoint_paused",
      "rate_limited",
      "facilitator_unavailable",
    ]),
  },
};

const GATEWAY_DESCRIPTION =
  "Debits the call's credit cost (its api_schema route's `credits`, else the endpoint's creditsPerCall; see GET /api/endpoints/{slug}/openapi.json) from the caller's balance, then forwards the request to the endpoint's origin and streams its answer back. The caller is the x-wallet-address, the wallet a SIGN-IN-WITH-X proof signs for, or the payer of an x402 payment the request carries (which first buys the offered pack). Too few credits → 402, no origin call. Origin failures (unreachable, timeout, 5xx by default) are refunded.";

/** The gateway, for one path form and one method. */
function gatewayOperation(
  method: string,
  form: string,
  withPath: boolean,
): ZodOpenApiOperationObject {
  const hasBody = ["post", "put", "patch", "delete"].includes(method);
  return {
    tags: ["Gateway"],
    operationId: `${form}${withPath ? "Path" : ""}${method[0]?.toUpperCase()}${method.slice(1)}`,
    summary: `Call an endpoint (${method.toUpperCase()}), paid with credits`,
    security: [{}, { walletToken: [] }],
    requestParams: {
      path: withPath
        ? slugPath.extend({
            path: z.string().meta({
              description: "The rest of the path, forwarded to the origin (may contain '/').",
            }),
          })
        : slugPath,
    },
    parameters: gatewayHeaders,
    ...(hasBody && {
      requestBody: {
        required: false,
        description: "Forwarded to the origin as sent.",
        content: { "*/*": { schema: {} } },
      },
    }),
    responses: gatewayResponses,
  };
}

const GATEWAY_METHODS = ["get", "post", "put", "patch", "delete", "head"] as const;

function gatewayPaths(): ZodOpenApiPathsObject {
  const paths: ZodOpenApiPathsObject = {};
  const forms = [
    ["/e/{slug}", "gateway"],
    ["/api/public/endpoints/{slug}", "publicGateway"],
  ] as const;
  for (const [prefix, form] of forms) {
    for (const withPath of [false, true]) {
      const item: ZodOpenApiPathsObject[string] = { description: GATEWAY_DESCRIPTION };
      for (const method of GATEWAY_METHODS) item[method] = gatewayOperation(method, form, withPath);
      paths[withPath ? `${prefix}/{path}` : prefix] = item;
    }
  }
  return paths;
}

function discoveryPaths(): ZodOpenApiPathsObject {
  const document = { "application/json": { schema: z.looseObject({ openapi: z.string() }) } };
  return {
    "/openapi.json": {
      get: {
        tags: ["Discovery"],
        operationId: "productOpenApi",
        summary: "This document",
        responses: { "200": { description: "OpenAPI 3.1.", content: document } },
      },
    },
    "/api/endpoints/{slug}/openapi.json": {
      get: {
        tags: ["Discovery"],
        operationId: "endpointOpenApi",
        summary: "One endpoint's API, from its api_schema, with each route's credit cost",
        description:
          "Servers point at the gateway (/e/{slug}); each operation carries `x-credits` (what a call costs).",
        requestParams: { path: slugPath },
        responses: {
          "200": { description: "OpenAPI 3.1.", content: document },
          ...errorResponses(["endpoint_not_found"]),
        },
      },
    },
    "/.well-known/x402": {
      get: {
        tags: ["Discovery"],
        operationId: "wellKnownX402",
        summary: "The paid resources, as x402 discovery clients read them",
        description:
          "`x402Version`, `items[]` (`resource`, `type`, `x402Version`, `accepts`, `lastUpdated`, `extensions.bazaar` …) and `pagination`, the shape of a facilitator's discovery list; also `version` 1 and `resources` (URLs) for crawlers of that older form.",
        requestParams: {
          query: z.object({
            limit: z.coerce.number().int().min(1).max(1000).optional(),
            offset: z.coerce.number().int().min(0).optional(),
          }),
        },
        responses: {
          "200": {
            description: "The list.",
            ...json(z.looseObject({ x402Version: z.number(), items: z.array(z.unknown()) })),
          },
          ...errorResponses(["bad_request"]),
        },
      },
    },
    "/llms.txt": {
      get: {
        tags: ["Discovery"],
        operationId: "llmsTxt",
        summary: "How an agent uses this server, in one page of text",
        responses: {
          "200": { description: "Markdown.", content: { "text/plain": { schema: z.string() } } },
        },
      },
    },
  };
}

function creditPaths(): ZodOpenApiPathsObject {
  return {
    "/api/credits/balance": {
      get: {
        tags: ["Credits"],
        operationId: "getBalance",
        summary: "A wallet's credits on one endpoint, or on all of them",
        requestParams: { query: balanceQuery, header: walletHeader },
        responses: {
          "200": {
            description:
              "With `endpoint`: that balance (0 if never bought). Without: every balance.",
            ...json(z.union([balanceOne, balanceAll])),
          },
          ...errorResponses(["invalid_wallet", "invalid_endpoint", "endpoint_not_found"]),
        },
      },
    },
    "/api/credits/packs": {
      get: {
        tags: ["Credits"],
        operationId: "listPacks",
        summary: "An endpoint's packs and their purchase URLs",
        requestParams: { query: packsQuery },
        responses: {
          "200": { description: "The packs.", ...json(packsAnswer) },
          ...errorResponses(["invalid_endpoint", "endpoint_not_found"]),
        },
      },
    },
    "/api/endpoints": {
      get: {
        tags: ["Credits"],
        operationId: "listEndpoints",
        summary: "The catalog: active endpoints, their packs and routes, in slug order",
        requestParams: { query: catalogQuery },
        responses: {
          "200": { description: "One page.", ...json(catalogAnswer) },
          ...errorResponses(["bad_request"]),
        },
      },
    },
    "/api/credits/purchase": {
      post: { ...purchase, operationId: "purchase" },
      get: { ...purchase, operationId: "purchaseGet", requestBody: undefined },
    },
    "/api/credits/purchases/{id}": {
      get: {
        tags: ["Credits"],
        operationId: "getPurchase",
        summary: "A purchase's settlement state",
        requestParams: { path: z.object({ id: purchaseIdSchema }) },
        responses: {
          "200": { description: "pending, settled or failed.", ...json(purchaseStatus) },
          ...errorResponses(["not_found"]),
        },
      },
    },
    "/api/credits/consume": {
      post: {
        tags: ["Credits"],
        operationId: "consume",
        summary: "The credit check alone, for providers who serve their own API",
        description:
          "With a provider API key: debits a buyer's credits on one of your endpoints, with the gateway's ledger, 402 and idempotency.",
        security: [{ providerKey: [] }],
        requestBody: { required: true, ...json(consumeBody) },
        responses: {
          "200": { description: "Debited (or replayed).", ...json(consumed) },
          "402": paymentRequiredResponse,
          ...errorResponses([
            "authentication_required",
            "invalid_json",
            "invalid_field",
            "invalid_wallet",
            "idempotency_key_reused",
            "payload_too_large",
            "endpoint_not_found",
            "endpoint_paused",
          ]),
        },
      },
    },
    "/api/config": {
      get: {
        tags: ["Credits"],
        operationId: "getConfig",
        summary: "The chain and token packs are paid with",
        responses: { "200": { description: "The payment terms.", ...json(chainConfig) } },
      },
    },
  };
}

function signInPaths(): ZodOpenApiPathsObject {
  return {
    "/api/auth/nonce": {
      get: {
        tags: ["Sign-in"],
        operationId: "getNonce",
        summary: "A single-use nonce for a SIWE message (purpose=token for a wallet token)",
        requestParams: { query: nonceQuery },
        responses: {
          "200": { description: "The nonce.", ...json(nonceAnswer) },
          ...errorResponses(["bad_request", "rate_limited"]),
        },
      },
    },
    "/api/auth/token": {
      post: {
        tags: ["Sign-in"],
        operationId: "createWalletToken",
        summary: "A 15-minute bearer token proving a wallet, for `signed` endpoints",
        requestBody: { required: true, ...json(signedMessageSchema) },
        responses: {
          "200": { description: "The token.", ...json(walletToken) },
          ...errorResponses([
            "invalid_json",
            "invalid_field",
            "invalid_signature",
            "payload_too_large",
            "rate_limited",
          ]),
        },
      },
    },
  };
}

function devnetPaths(): ZodOpenApiPathsObject {
  return {
    "/api/dev/faucet": {
      post: {
        tags: ["Devnet"],
        operationId: "faucet",
        summary: "Mint test USDC on the devnet",
        requestBody: { required: true, ...json(faucetBody) },
        responses: {
          "200": { description: "Minted.", ...json(faucetAnswer) },
          ...errorResponses(["invalid_json", "invalid_field", "invalid_wallet", "rate_limited"]),
        },
      },
    },
  };
}

const built = new Map<string, ReturnType<typeof createDocument>>();

/**
 * The product's own agent-facing API as OpenAPI 3.1, generated from the zod schemas that
 * validate its requests (lib/api/*) and describe its answers (./schemas). Built once per
 * process (it depends on configuration only).
 */
export function productOpenApi(facts: ProductFacts) {
  const key = JSON.stringify(facts);
  let document = built.get(key);
  if (!document) {
    document = buildDocument(facts);
    built.set(key, document);
  }
  return document;
}

function buildDocument(facts: ProductFacts) {
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "x402-credits",
      version: "1",
      description: [
        "Prepaid credit packs for APIs, paid with x402. An agent buys a pack once (any x402 client, at a `purchaseUrl` or by paying a gateway 402), then calls the endpoint through the gateway with its wallet; each call debits credits.",
        `Start with ${facts.publicUrl}/llms.txt; the paid resources are at ${facts.publicUrl}/.well-known/x402, each endpoint's own API at ${facts.publicUrl}/api/endpoints/{slug}/openapi.json.`,
        'Errors are `{"error": {"code", "message"}}`; a 402 body is the x402 challenge instead.',
      ].join("\n\n"),
    },
    servers: [{ url: facts.publicUrl }],
    "x-discovery": { llmsTxtUrl: `${facts.publicUrl}/llms.txt` },
    tags: [
      { name: "Credits", description: "Balances, packs, purchases." },
      { name: "Gateway", description: "Calls to endpoints, paid with credits." },
      { name: "Sign-in", description: "Wallet proof for `signed` endpoints." },
      { name: "Discovery", description: "Documents for agents and x402 catalogs." },
      ...(facts.devnet ? [{ name: "Devnet", description: "Test money." }] : []),
    ],
    paths: {
      ...creditPaths(),
      ...gatewayPaths(),
      ...signInPaths(),
      ...discoveryPaths(),
      ...(facts.devnet ? devnetPaths() : {}),
    },
    components: {
      schemas: { PaymentRequired: paymentRequired },
      securitySchemes: {
        providerKey: {
          type: "http",
          scheme: "bearer",
          description: "A provider API key (xc_sk_…), created in the dashboard.",
        },
        walletToken: walletTokenScheme,
      },
    },
  });
}
