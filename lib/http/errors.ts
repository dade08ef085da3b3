import { BreakerOpenError, isConnectionFailure } from "@/lib/ledger/breaker";
import { log } from "@/lib/log/logger";
/** Every error code the API answers with, and its HTTP status. One table, one place. */
export const ERROR_STATUS = {
  bad_request: 400,
  invalid_json: 400,
  invalid_wallet: 400,
  invalid_endpoint: 400,
  wallet_mismatch: 400,
  invalid_field: 422,
  idempotency_key_reused: 422,
  wallet_proof_required: 402,
  authentication_required: 401,
  invalid_signature: 401,
  insufficient_credits: 402,
  payment_required: 402,
  payment_invalid: 402,
  forbidden: 403,
  not_found: 404,
  endpoint_not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  idempotency_conflict: 409,
  idempotency_answer_unavailable: 409,
  payment_identifier_reused: 409,
  endpoint_limit_reached: 409,
  refund_exceeds_consumed: 409,
  payload_too_large: 413,
  uri_too_long: 414,
  request_timeout: 408,
  headers_too_large: 431,
  rate_limited: 429,
  internal_error: 500,
  websocket_unsupported: 501,
  origin_unavailable: 502,
  origin_address_refused: 502,
  endpoint_paused: 503,
  ledger_unavailable: 503,
  app_unavailable: 503,
  facilitator_unavailable: 503,
  origin_timeout: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

const BRAND = Symbol.for("x402-credits.api-error");

/** A refusal the client caused or can act on; its message is safe to show. */
export class ApiError extends Error {
  override name = "ApiError";
  readonly [BRAND] = true;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  /**
   * By brand, not by class: the custom server and the Next.js bundle are two module graphs
   * in one process, each with its own ApiError class, and an error thrown by an object of
   * the shared app context (e.g. its rate limiter) must still answer with its own status.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && BRAND in value;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export function errorBody(code: ErrorCode, message: string) {
  return { error: { code, message } };
}

/** Maps anything thrown to a JSON response; unknown errors are logged in full and masked. */
export function errorResponse(
  err: unknown,
  report: (e: unknown) => void = (e) => log().error({ err: e }, "unhandled error"),
): Response {
  if (err instanceof ApiError) {
    return Response.json(
      { error: { code: err.code, message: err.message, ...err.details } },
      { status: err.status, headers: err.headers },
    );
  }
  report(err);
  // The database went away under a request no handler guarded: a retryable outage, not a bug.
  if (isConnectionFailure(err) || err instanceof BreakerOpenError) {
    return Response.json(
      errorBody(
        "ledger_unavailable",
        "The database is unavailable; nothing was changed. Retry shortly.",
      ),
      { status: 503, headers: { "retry-after": "2" } },
    );
  }
  return Response.json(errorBody("internal_error", "Something went wrong on our side."), {
    status: 500,
  });
}
