import { z } from "zod";
import type { ZodOpenApiResponsesObject, ZodOpenApiSecuritySchemeObject } from "zod-openapi";
import { errorResponses, paymentRequiredResponse } from "./responses";
import { purchasePending, requestHeaders, responseHeaders } from "./schemas";

// What every gateway route has in common, in the product's document and in each endpoint's:
// the headers it reads and the answers it gives, registered as components (by id) once.

export const receiptHeaders = z.object({
  "PAYMENT-RESPONSE": responseHeaders["PAYMENT-RESPONSE"].optional(),
  "X-PAYMENT-RESPONSE": responseHeaders["X-PAYMENT-RESPONSE"].optional(),
});

/** A header parameter registered once under components.parameters (the gateway repeats them). */
function headerParam(name: keyof typeof requestHeaders, id: string) {
  return requestHeaders[name].optional().meta({ param: { id, in: "header", name } });
}
export const gatewayHeaders = [
  headerParam("x-wallet-address", "WalletAddress"),
  headerParam("SIGN-IN-WITH-X", "SignInWithX"),
  headerParam("Idempotency-Key", "IdempotencyKey"),
  headerParam("PAYMENT-SIGNATURE", "PaymentSignature"),
  headerParam("X-PAYMENT", "XPayment"),
];
const creditHeaders = receiptHeaders.extend({
  "x-credits-charged": responseHeaders["x-credits-charged"].meta({
    header: { id: "CreditsCharged" },
  }),
  "x-credits-remaining": responseHeaders["x-credits-remaining"].meta({
    header: { id: "CreditsRemaining" },
  }),
  "idempotent-replayed": responseHeaders["idempotent-replayed"].optional(),
});

/** Registered once as components: every gateway route answers alike. */
export const gatewayResponses: ZodOpenApiResponsesObject = {
  "200": {
    id: "OriginAnswer",
    description:
      "The origin's answer, with its own status (any), headers and body, plus the credit headers.",
    headers: creditHeaders,
    content: { "*/*": { schema: {} } },
  },
  "202": {
    id: "PayAndCallPending",
    description: "Pay-and-call whose settlement is not confirmed yet; the origin was not called.",
    content: { "application/json": { schema: purchasePending } },
  },
  "402": paymentRequiredResponse,
  ...errorResponses(
    [
      "bad_request",
      "invalid_wallet",
      "wallet_mismatch",
      "wallet_proof_required",
      "endpoint_not_found",
      "request_timeout",
      "idempotency_conflict",
      "idempotency_answer_unavailable",
      "payload_too_large",
      "idempotency_key_reused",
      "rate_limited",
      "origin_unavailable",
      "origin_address_refused",
      "endpoint_paused",
      "facilitator_unavailable",
      "origin_timeout",
      "websocket_unsupported",
    ],
    "Gateway",
  ),
};

export const walletTokenScheme: ZodOpenApiSecuritySchemeObject = {
  type: "http",
  scheme: "bearer",
  description:
    "A wallet token (xc_at_…) from POST /api/auth/token: proves the wallet on `signed` endpoints.",
};
