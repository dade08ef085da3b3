import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import type { AppContext } from "@/lib/app/context";
import { priceCall } from "@/lib/endpoints/api-schema";
import type { ResolvedEndpoint } from "@/lib/endpoints/resolved";
import { ApiError } from "@/lib/http/errors";
import { BreakerOpenError, getBalance } from "@/lib/ledger";
import { isConnectionFailure } from "@/lib/ledger/breaker";
import type { RefundDue, RefundOutcome } from "@/lib/ledger/refund-keeper";
import type { Applied } from "@/lib/ledger/types";
import { log } from "@/lib/log/logger";
import { metrics } from "@/lib/metrics/metrics";
import {
  InvalidPayment,
  type PresentedPayment,
  parsePayment,
  paymentHeader,
} from "@/lib/purchase/payment-header";
import { purchasePack } from "@/lib/purchase/purchase";
import { purchaseResponse, receiptHeaders } from "@/lib/purchase/response";
import { offeredTerms } from "@/lib/purchase/terms";
import { withPurchaseLimits } from "@/lib/rate-limit/purchase";
import { nodeToWeb, responseOverNodeStream } from "@/lib/server/node-body";
import { parseWallet } from "@/lib/wallet";
import { requestFingerprint } from "./fingerprint";
import {
  checkDeclaredBody,
  type ForwardCall,
  type ForwardOutcome,
  forwardToOrigin,
  tooLarge,
} from "./forward";
import { readKeyedBody } from "./keyed-body";
import { settleMeteredCall } from "./meter";
import { parseGatewayTarget, RAW_TARGET_HEADER } from "./path";
import { captureBody, lookupReplay, REPLAY_BODY_LIMIT, storeReplay } from "./replay";
import { gatewayChallenge, requireProof, type UnpaidCaller, unpaidCaller } from "./sign-in";
import type { CallSlot } from "./wallet-slots";

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * ANY /e/SLUG[/PATH] and /api/public/endpoints/SLUG[/PATH] — debit the caller's credits,
 * then stream the origin's answer back. The debit happens before the origin is called and
 * is refunded when the origin fails (unreachable, timeout, or 5xx with refundOnError); a
 * caller that disconnects mid-response stays charged, since the origin did the work.
 */
export async function handleGateway(request: Request, ctx: AppContext): Promise<Response> {
  refuseUpgrade(request);
  const url = new URL(request.url);
  const target = parseGatewayTarget(url, request.headers.get(RAW_TARGET_HEADER));
  const endpoint = await ledgerCall(ctx, () => ctx.endpoints.get(target.slug));
  if (!endpoint) throw new ApiError("endpoint_not_found", `No endpoint named "${target.slug}".`);
  if (endpoint.paused) {
    throw new ApiError(
      "endpoint_paused",
      `The endpoint "${endpoint.slug}" is paused by its provider.`,
    );
  }
  // Priced and forwarded in one form: the normalised path in the matched route's spelling.
  const priced = priceCall(
    endpoint.routes,
    request.method,
    target.path,
    endpoint.creditsPerCall,
    endpoint.metered,
  );
  const cost = priced.credits;
  checkDeclaredBody(ctx, endpoint, request);
  const caller = await identifyCaller(ctx, endpoint, request, cost);
  if (caller.kind === "response") return caller.response;
  if (caller.kind === "anonymous") {
    // A plain x402 client sends no wallet header: tell it what to pay, or to sign in.
    return gatewayChallenge(ctx, endpoint, request, {
      error: "payment_required",
      credits: 0n,
      required: cost,
    });
  }
  const slot = ctx.walletSlots.acquire(caller.wallet);
  try {
    const response = await chargeAndServe(ctx, endpoint, request, caller, slot, {
      cost,
      metered: priced.metered,
      path: priced.path,
      search: target.search,
    });
    for (const [name, value] of Object.entries(caller.receipt ?? {}))
      response.headers.set(name, value);
    return response;
  } finally {
    slot.settle();
  }
}

/**
 * A WebSocket is not relayed: the gateway prices and meters HTTP calls, and a connection
 * held open has neither a per-call price nor an end to refund at. Refused before anything
 * is looked up or charged, on both doors (without this, Node serves the upgrade request as
 * a plain GET: the origin is called, and charged for, a handshake it cannot complete).
 * Other upgrades (`h2c` from `curl --http2`) are ignored, as HTTP allows: the call is
 * served over HTTP/1.1.
 */
function refuseUpgrade(request: Request): void {
  if (!/(^|,)\s*websocket\s*(\/|,|$)/i.test(request.headers.get("upgrade") ?? "")) return;
  throw new ApiError(
    "websocket_unsupported",
    "The gateway does not relay WebSocket connections; call the endpoint over plain HTTP. Nothing was charged.",
  );
}

async function chargeAndServe(
  ctx: AppContext,
  endpoint: ResolvedEndpoint,
  request: Request,
  caller: Extract<Caller, { kind: "wallet" }>,
  slot: CallSlot,
  { cost, metered, path, search }: { cost: bigint; metered: boolean; path: string; search: string },
): Promise<Response> {
  const wallet = caller.wallet;
  const key = parseIdempotencyKey(request.headers.get("idempotency-key"));
  const pathAndQuery = `${path}${search}`;
  // A keyed call's body is read first: the key is bound to the whole request.
  const body = key === undefined ? undefined : await readKeyedBody(ctx, endpoint, request);
  // Every debit carries a digest: a keyed call's fingerprint, else a token of its own, by
  // which a debit whose connection broke mid-commit is found and refunded if it committed.
  const requestDigest =
    key === undefined
      ? `call-${randomUUID()}`
      : requestFingerprint(request.method, pathAndQuery, body);
  const account = { endpointId: endpoint.id, wallet };
  const sentAt = Date.now();
  const debit = await ledgerCall(
    ctx,
    () =>
      ctx.debits.debit(account, {
        credits: cost,
        idempotencyKey: key,
        requestDigest,
        reference: `${request.method} ${path}`.slice(0, 200),
      }),
    () => ctx.refunds.keepUncertain({ ...account, requestDigest, credits: cost, sentAt }),
  );
  if (!debit.ok) {
    if (debit.keyReused) {
      throw new ApiError(
        "idempotency_key_reused",
        "This Idempotency-Key was already used for a different request (method, path, query or body). Nothing was charged; use a new key for a new request.",
      );
    }
    return gatewayChallenge(ctx, endpoint, request, {
      error: "insufficient_credits",
      credits: debit.balance,
      required: cost,
    });
  }
  const call = { pathAndQuery, wallet, slot, body };
  return debit.replayed
    ? await replay(ctx, endpoint, debit, wallet)
    : await serve(ctx, endpoint, request, call, debit, { cost, metered, keyed: key !== undefined });
}

type Caller =
  | Exclude<UnpaidCaller, { kind: "wallet" }>
  | { kind: "wallet"; wallet: string; receipt?: Record<string, string> };

/**
 * Who pays for this call: the payer of an x402 payment the request carries (pay-and-call:
 * the pack it pays for is bought first, for the payer), else the wallet the request
 * names or proves (lib/gateway/sign-in). In `signed` mode only a payment settled by this
 * very request proves the payer: one presented again can be rebuilt from chain data.
 */
async function identifyCaller(
  ctx: AppContext,
  endpoint: ResolvedEndpoint,
  request: Request,
  cost: bigint,
): Promise<Caller> {
  const claimed = request.headers.get("x-wallet-address");
  const header = paymentHeader(request.headers);
  if (!header) return unpaidCaller(ctx, endpoint, request, cost);

  let presented: PresentedPayment;
  try {
    presented = parsePayment(header);
  } catch (err) {
    if (!(err instanceof InvalidPayment)) throw err;
    const refused = { kind: "invalid" as const, reason: err.reason, message: err.message };
    return {
      kind: "response",
      response: purchaseResponse(ctx, endpoint, undefined, refused, header.version),
    };
  }
  const payer = parseWallet(presented.authorization.from, "authorization.from");
  if (claimed !== null && parseWallet(claimed) !== payer) {
    throw new ApiError("wallet_mismatch", "x-wallet-address differs from the payment's payer.");
  }
  const value = BigInt(presented.authorization.value);
  // The pack the challenge offered (a v2 client echoes it), else the one at that price.
  const offered = offeredTerms(presented)?.pack;
  const pack =
    endpoint.packs.find((p) => p.id === offered) ??
    endpoint.packs.find((p) => p.price === value) ??
    endpoint.defaultPack;
  if (!pack) throw new ApiError("not_found", `The endpoint "${endpoint.slug}" sells no packs.`);
  const outcome = await withPurchaseLimits(ctx, request, payer, () =>
    purchasePack(ctx, endpoint, pack, presented),
  );
  if (outcome.kind !== "settled") {
    return {
      kind: "response",
      response: purchaseResponse(ctx, endpoint, pack, outcome, header.version),
    };
  }
  if (endpoint.walletAuth === "signed" && !outcome.settledNow) {
    const refused = await requireProof(ctx, endpoint, request, payer, cost);
    if (refused) return { kind: "response", response: refused };
  }
  return { kind: "wallet", wallet: payer, receipt: receiptHeaders(outcome, header.version) };
}

async function serve(
  ctx: AppContext,
  endpoint: ResolvedEndpoint,
  request: Request,
  call: ForwardCall,
  debit: Applied,
  { cost, metered, keyed }: { cost: bigint; metered: boolean; keyed: boolean },
): Promise<Response> {
  const due = {
    entryId: debit.entryId,
    endpointId: endpoint.id,
    wallet: call.wallet,
    credits: cost,
  };
  const outcome = await forwardToOrigin(ctx, endpoint, request, call);
  metrics.gatewayCalls.inc({ outcome: outcome.kind === "response" ? "served" : "origin_failed" });
  if (outcome.kind !== "response") {
    const failure = failureOf(outcome, endpoint);
    if (failure.refund) metrics.gatewayRefunds.inc({ reason: failure.error.code });
    const refunded = failure.refund ? await ctx.refunds.refund(due) : undefined;
    return Response.json(
      {
        error: {
          code: failure.error.code,
          message: failure.error.message,
          ...refundFields(refunded, cost),
        },
      },
      {
        status: failure.error.status,
        headers: {
          ...Object.fromEntries(
            creditHeaders(refunded?.refunded ? 0n : cost, balanceAfter(refunded, debit)),
          ),
          ...failure.error.headers,
        },
      },
    );
  }
  const { status, headers } = outcome;
  const body = outcome.body;
  let remaining = debit.balance;
  let charged = cost;
  let refundedWhole = false;
  if (status >= 500 && endpoint.refundOnError) {
    metrics.gatewayRefunds.inc({ reason: "origin_5xx" });
    const refunded = await ctx.refunds.refund(due);
    remaining = balanceAfter(refunded, debit);
    charged = refunded.refunded ? 0n : cost;
    refundedWhole = true;
    if (!refunded.refunded) headers.set("x-credits-refund", "pending");
  } else {
    let metering: Promise<unknown> = Promise.resolve();
    // Listening before any await: a body that breaks off meanwhile must not go unheard.
    if (body) refundIfCutShort(ctx, body, due, () => metering);
    if (metered) {
      const meter = await settleMeteredCall(ctx, due, outcome.meter, body, endpoint.slug);
      metering = meter.settled;
      charged = meter.charged;
      remaining = meter.balance ?? remaining;
      if (meter.pending) headers.set("x-credits-refund", "pending");
    }
  }
  for (const [name, value] of creditHeaders(charged, remaining)) headers.set(name, value);
  if (keyed && !refundedWhole) {
    const stored = (copy: Buffer | null) =>
      storeReplay(ctx.db, debit.entryId, status, headers, copy).catch((err: unknown) =>
        log().error({ err, entryId: debit.entryId.toString() }, "gateway: replay not stored"),
      );
    if (!body) {
      await stored(Buffer.alloc(0));
      return new Response(null, { status, headers });
    }
    return new Response(captureBody(nodeToWeb(body), REPLAY_BODY_LIMIT, stored), {
      status,
      headers,
    });
  }
  return responseOverNodeStream(body, { status, headers });
}

// How an origin's answer breaks off: reset, closed early, short of its length, or silent
// past the endpoint's timeout (undici's bodyTimeout). Anything else that ends the stream is
// the caller leaving (undici's UND_ERR_ABORTED, a Web stream's AbortError, Next's
// ResponseAborted), which keeps the charge.
const ORIGIN_BROKE_OFF = new Set([
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
]);

/**
 * An origin that broke off its answer did not serve the call: the caller's stream is
 * aborted (lib/server/node-adapter) and the call refunded. A caller who hangs up mid-answer
 * stays charged: the origin did the work.
 */
function refundIfCutShort(
  ctx: AppContext,
  body: Readable,
  due: RefundDue,
  metering: () => Promise<unknown>,
): void {
  body.once("error", (err: Error & { code?: string }) => {
    if (!err.code || !ORIGIN_BROKE_OFF.has(err.code)) return;
    metrics.gatewayRefunds.inc({ reason: "cut_short" });
    // After the meter's own give-back, so the refund takes back exactly what is left.
    void metering()
      .catch(() => {})
      .then(() => ctx.refunds.refund(due))
      .catch((err: unknown) =>
        log().error({ err, entryId: due.entryId.toString() }, "gateway: cut-short refund failed"),
      );
  });
}

/** A retry of a keyed call that was already charged: its stored answer, never a new call. */
async function replay(
  ctx: AppContext,
  endpoint: ResolvedEndpoint,
  debit: Applied,
  wallet: string,
): Promise<Response> {
  const found = await lookupReplay(ctx.db, debit.entryId, endpoint.timeoutMs);
  if (found.kind === "in_flight") {
    throw new ApiError(
      "idempotency_conflict",
      "A request with this Idempotency-Key is still in progress; retry shortly.",
      undefined,
      { "retry-after": "1" },
    );
  }
  if (found.kind === "not_stored" || found.body === null) {
    // Charged and served once, but its answer was not kept (over the replay limit, or the
    // first connection broke off): serving it again would be a free call.
    throw new ApiError(
      "idempotency_answer_unavailable",
      `The call with this Idempotency-Key was charged and served, but its answer was not kept (answers over ${REPLAY_BODY_LIMIT} bytes are not, nor one whose connection broke off). It is not served again; use a new key to call again.`,
    );
  }
  const remaining = await getBalance(ctx.db, { endpointId: endpoint.id, wallet });
  const headers = new Headers(found.headers);
  for (const [name, value] of creditHeaders(0n, remaining)) headers.set(name, value);
  headers.set("idempotent-replayed", "true");
  metrics.gatewayCalls.inc({ outcome: "replayed" });
  return new Response(found.body.byteLength > 0 ? new Uint8Array(found.body) : null, {
    status: found.status,
    headers,
  });
}

/**
 * What a failed forward answers, and whether its charge is refunded. The origin's failures
 * and refusals are refunded; a caller who hung up after its upload reached the origin, or
 * whose upload was too slow, keeps the charge (the origin spent the work, and a refund
 * would make holding origin connections free).
 */
function failureOf(
  outcome: Exclude<ForwardOutcome, { kind: "response" }>,
  endpoint: ResolvedEndpoint,
): { error: ApiError; refund: boolean } {
  switch (outcome.kind) {
    case "timeout":
      return {
        refund: true,
        error: new ApiError(
          "origin_timeout",
          `The origin did not answer within ${endpoint.timeoutMs} ms.`,
        ),
      };
    case "refused":
      return {
        refund: true,
        error: new ApiError(
          "origin_address_refused",
          "The origin is on a private or special-purpose network address, which this gateway does not connect to.",
        ),
      };
    case "too_large":
      return { refund: true, error: tooLarge(outcome.limit) };
    case "caller_timeout":
      return {
        refund: false,
        error: new ApiError(
          "request_timeout",
          `The request body did not arrive within the endpoint's ${endpoint.timeoutMs} ms.`,
          undefined,
          { connection: "close" },
        ),
      };
    case "abandoned":
      return {
        refund: !outcome.reachedOrigin,
        error: new ApiError("bad_request", "The request body ended before it was complete."),
      };
    case "unavailable":
      return {
        refund: true,
        error: new ApiError("origin_unavailable", "The origin could not be reached."),
      };
  }
}

/** What an error body says about the refund: given back, or kept to be given back. */
function refundFields(refunded: RefundOutcome | undefined, cost: bigint) {
  if (!refunded) return { refunded: 0 };
  return refunded.refunded ? { refunded: Number(cost) } : { refunded: 0, refundPending: true };
}

function balanceAfter(refunded: RefundOutcome | undefined, debit: Applied): bigint {
  return refunded?.refunded ? refunded.balance : debit.balance;
}

function creditHeaders(charged: bigint, remaining: bigint): Headers {
  return new Headers({
    "x-credits-charged": charged.toString(),
    "x-credits-remaining": remaining.toString(),
  });
}

function parseIdempotencyKey(value: string | null): string | undefined {
  if (value === null) return undefined;
  if (!IDEMPOTENCY_KEY.test(value)) {
    throw new ApiError(
      "bad_request",
      "Idempotency-Key must be 1-128 characters of A-Z, a-z, 0-9, _ and -.",
    );
  }
  return value;
}

/**
 * The gateway fails closed: without the ledger, no origin call. A debit that was sent when
 * the connection broke may have committed (`uncertain`): it is kept to be refunded if so,
 * and the answer says that instead of "nothing was charged".
 */
async function ledgerCall<T>(
  ctx: AppContext,
  run: () => Promise<T>,
  uncertain?: () => Promise<void>,
): Promise<T> {
  try {
    return await ctx.ledgerBreaker.run(run);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    const mayHaveCommitted = uncertain !== undefined && isConnectionFailure(err);
    if (!(err instanceof BreakerOpenError)) log().error({ err }, "gateway: ledger unavailable");
    if (mayHaveCommitted) {
      await uncertain().catch((e: unknown) =>
        log().error({ err: e }, "gateway: uncertain debit not kept"),
      );
    }
    throw new ApiError(
      "ledger_unavailable",
      mayHaveCommitted
        ? "The credit ledger became unreachable during the charge; if the charge went through, it is refunded automatically."
        : "The credit ledger is unavailable; nothing was charged.",
      undefined,
      { "retry-after": "1" },
    );
  }
}
