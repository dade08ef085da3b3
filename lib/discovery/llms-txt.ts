import type { ResolvedEndpoint } from "@/lib/endpoints/resolved";
import { describeCost, distinctRoutes, routeCost } from "@/lib/endpoints/route-fields";
import { formatUsdc } from "@/lib/money";
import { purchaseUrl } from "@/lib/x402/challenge";
import type { PaymentSettings } from "@/lib/x402/settings";

/** Endpoints listed in the page; the catalog API pages through the rest. */
export const LLMS_TXT_ENDPOINTS = 100;

export interface LlmsTxtFacts {
  publicUrl: string;
  payments: PaymentSettings;
  devnet: boolean;
  /** Active endpoints, in slug order. */
  endpoints: readonly ResolvedEndpoint[];
}

function endpointLines(base: string, endpoint: ResolvedEndpoint): string[] {
  const routes = distinctRoutes(endpoint.apiSchema?.routes ?? []).map(
    (r) => `${r.method} ${r.path} (${describeCost(routeCost(r, endpoint))})`,
  );
  const packs = endpoint.packs.map(
    (p) =>
      `${p.name} \`${p.id}\`: ${p.credits} credits for ${formatUsdc(p.price)} USDC${p.id === endpoint.defaultPack?.id ? " (default)" : ""} — ${purchaseUrl(base, endpoint.slug, p.id)}`,
  );
  const summary = endpoint.description ? `: ${endpoint.description.replace(/\s+/g, " ")}` : "";
  return [
    `- [${endpoint.slug}](${base}/api/endpoints/${endpoint.slug}/openapi.json) — ${endpoint.name}${summary}`,
    `  - Call: \`${base}/e/${endpoint.slug}/PATH\`, ${describeCost({ credits: endpoint.creditsPerCall, metered: endpoint.metered })} a call${routes.length > 0 ? `; routes: ${routes.join(", ")}` : ""}${endpoint.walletAuth === "signed" ? "; wants a wallet proof (sign in)" : ""}`,
    ...packs.map((p) => `  - Pack ${p}`),
  ];
}

/**
 * /llms.txt: how an agent that has never seen this server checks a balance, calls an
 * endpoint, buys credits and signs in, with this server's URLs and its live endpoints.
 */
export function llmsTxt(facts: LlmsTxtFacts): string {
  const base = facts.publicUrl;
  const { payments } = facts;
  const shown = facts.endpoints.slice(0, LLMS_TXT_ENDPOINTS);
  const example = shown[0];
  const slug = example?.slug ?? "SLUG";
  const pack = example?.defaultPack?.id ?? "PACK";
  return [
    `# x402-credits at ${base}`,
    "",
    `> Prepaid credits for APIs, paid with x402 (USDC on ${payments.info.label}, ${payments.network}). Buy a credit pack once with any x402 client, then call an endpoint through this gateway with your wallet address; each call spends credits. No account, no API key.`,
    "",
    "## Endpoints",
    "",
    ...(shown.length > 0 ? shown.flatMap((e) => endpointLines(base, e)) : ["- (none yet)"]),
    ...(facts.endpoints.length > shown.length
      ? [
          "",
          `${facts.endpoints.length - shown.length} more: page through \`GET ${base}/api/endpoints?cursor=NEXT_CURSOR\`.`,
        ]
      : []),
    "",
    "## Check a balance",
    "",
    `\`GET ${base}/api/credits/balance?endpoint=${slug}\` with header \`x-wallet-address: 0xYOUR_WALLET\` → \`{"credits": 42, "endpoint": "${slug}"}\` (0 if you never bought). Without \`?endpoint=\`: \`{"wallet", "balances": [{"endpoint", "credits"}]}\`.`,
    "",
    "## Call an endpoint",
    "",
    `Any method, \`${base}/e/${slug}/PATH?QUERY\` with header \`x-wallet-address: 0xYOUR_WALLET\`: the call's credits are debited, the request (method, path, query, body, headers) goes to the provider's API and its answer comes back, with \`x-credits-charged\` and \`x-credits-remaining\`. Failures of the provider's API (unreachable, timeout, 5xx) are refunded. Send \`Idempotency-Key: KEY\` to be charged at most once for retries of the same request. Each endpoint's routes, parameters and per-route costs: \`${base}/api/endpoints/${slug}/openapi.json\`.`,
    "",
    "With too few credits (or no wallet header) the answer is `402 Payment Required`: an x402 challenge in the `PAYMENT-REQUIRED` header (base64 JSON) and in the body, plus `purchaseUrl`, `packs`, `credits` (your balance) and `required` (the call's cost).",
    "",
    "## Top up: buy a pack",
    "",
    `Pay the 402 with any x402 client (\`@x402/fetch\` \`wrapFetchWithPayment\`, \`@x402/axios\`, \`x402-fetch\`, \`x402-axios\`, …), either:`,
    "",
    `1. at the pack's purchase URL: \`POST ${purchaseUrl(base, slug, pack)}\` → 402 → the client signs the payment and retries with \`PAYMENT-SIGNATURE\` (v2) or \`X-PAYMENT\` (v1) → \`200 {"credits", "endpoint", "purchased"}\` and a \`PAYMENT-RESPONSE\` receipt; or`,
    "2. at the gateway: call the endpoint and let the client pay its 402: the default pack is bought for the paying wallet and the call is served with the new credits.",
    "",
    `Credits belong to the wallet that paid. A \`202 {"status": "pending", "statusUrl"}\` means settlement is not confirmed yet: poll \`statusUrl\` (\`GET ${base}/api/credits/purchases/ID\`) and do not pay again. Payments: \`exact\` scheme, ${payments.asset.name} (${payments.asset.address}) on ${payments.network}; details at \`GET ${base}/api/config\`.${facts.devnet ? ` This is a devnet: \`POST ${base}/api/dev/faucet {"address": "0xYOUR_WALLET"}\` mints test USDC.` : ""}`,
    "",
    "## Sign in (SIGN-IN-WITH-X)",
    "",
    'A wallet that already holds credits proves it instead of paying again. A gateway 402 declares the x402 `sign-in-with-x` extension in `PAYMENT-REQUIRED` (`extensions["sign-in-with-x"]`: domain, uri, a single-use nonce, the chain): sign that message with the wallet (CAIP-122 / SIWE, EIP-191) and resend the request with header `SIGN-IN-WITH-X: base64(JSON payload)`. The official clients do this (`@x402/extensions/sign-in-with-x`: `wrapFetchWithSIWx`, `createSIWxClientExtension`). Sign each new challenge; a nonce works once.',
    "",
    `Endpoints in \`signed\` mode also accept \`Authorization: Bearer TOKEN\`: get a nonce (\`GET ${base}/api/auth/nonce?purpose=token\`), sign a SIWE message with it, and \`POST ${base}/api/auth/token {"message", "signature"}\` → a 15-minute token.`,
    "",
    "## Discovery",
    "",
    `- [OpenAPI of this API](${base}/openapi.json): every route above, its parameters, answers, errors and the 402`,
    `- [Catalog](${base}/api/endpoints): active endpoints, their packs and routes (paged)`,
    `- [One endpoint's OpenAPI](${base}/api/endpoints/${slug}/openapi.json): its routes with their credit cost (\`x-credits\`), served at \`${base}/e/${slug}\``,
    `- [x402 resources](${base}/.well-known/x402): the paid resources with their payment requirements, for x402 discovery clients`,
    "",
    "## Errors",
    "",
    'Every refusal is `{"error": {"code": "snake_case", "message": "…"}}` with the matching status (400 bad input, 404 unknown, 409 conflict, 422 invalid field, 429 slow down with `Retry-After`, 5xx ours or the provider\'s); a refused request changes nothing. A 402 body is the x402 challenge instead.',
    "",
  ].join("\n");
}
