import { z } from "zod";
import type { ZodOpenApiResponseObject, ZodOpenApiResponsesObject } from "zod-openapi";
import { ERROR_STATUS, type ErrorCode } from "@/lib/http/errors";
import { challengeBody, errorBody, responseHeaders } from "./schemas";

/** Refusals any route can give: wrong method, oversized headers, a bug, the database away. */
export const COMMON_ERRORS: ErrorCode[] = [
  "method_not_allowed",
  "headers_too_large",
  "internal_error",
  "ledger_unavailable",
];

const RETRYABLE = new Set([408, 409, 429, 503]);

/**
 * One response per status for these error codes, each naming its codes. Codes whose status
 * is 402 are left to the 402 response: a 402 body is always the x402 challenge.
 */
export function errorResponses(
  codes: readonly ErrorCode[],
  /** Registers the responses as components named `${id}${status}` (for repeated routes). */
  id?: string,
): ZodOpenApiResponsesObject {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set([...codes, ...COMMON_ERRORS])) {
    const status = ERROR_STATUS[code];
    if (status === 402) continue;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, group] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[`${status}` as `4${string}`] = {
      ...(id && { id: `${id}${status}` }),
      description: `Refused (nothing charged unless the code says): ${group.map((c) => `\`${c}\``).join(", ")}.`,
      ...(RETRYABLE.has(status) && {
        headers: z.object({ "Retry-After": responseHeaders["Retry-After"].optional() }),
      }),
      content: { "application/json": { schema: errorBody } },
    };
  }
  return responses;
}

/** Codes answered with status 402 besides a plain challenge (e.g. a wallet proof wanted). */
const CHALLENGE_CODES = (Object.keys(ERROR_STATUS) as ErrorCode[]).filter(
  (c) => ERROR_STATUS[c] === 402,
);

/** The x402 challenge: PAYMENT-REQUIRED header and the body both x402 versions can read. */
export const paymentRequiredResponse: ZodOpenApiResponseObject = {
  id: "PaymentRequired",
  description: `Payment required (x402). Pay \`accepts[0]\` at \`purchaseUrl\` (or resend this request with the payment) with any x402 client; a wallet that already holds credits signs in instead (\`SIGN-IN-WITH-X\`, from \`extensions["sign-in-with-x"]\` when declared). \`error\` is one of ${CHALLENGE_CODES.map((c) => `\`${c}\``).join(", ")} or the reason a presented payment was refused.`,
  headers: z.object({ "PAYMENT-REQUIRED": responseHeaders["PAYMENT-REQUIRED"] }),
  content: { "application/json": { schema: challengeBody } },
};
