import type { Readable } from "node:stream";
import type { AppContext } from "@/lib/app/context";
import { isSeededDemo } from "@/lib/demo/seed";
import type { ResolvedEndpoint } from "@/lib/endpoints/resolved";
import { ApiError } from "@/lib/http/errors";
import { ADDRESS_REFUSED } from "@/lib/net/guarded-connect";
import { nodeBodyOf, webToNode } from "@/lib/server/node-body";
import { checksumWallet } from "@/lib/wallet";
import { BodyMeter } from "./body-meter";
import { callerResponseHeaders, originRequestHeaders } from "./headers";
import type { CallSlot } from "./wallet-slots";

/** What a metered origin reports about a call's cost: a header, or a promised trailer. */
export interface MeterReport {
  header: string | undefined;
  trailerPromised: boolean;
  /** undici fills it in once the body has ended. */
  trailers: Record<string, string | string[] | undefined>;
}

export type ForwardOutcome =
  | {
      kind: "response";
      status: number;
      headers: Headers;
      body: Readable | null;
      meter: MeterReport;
    }
  | { kind: "unavailable"; reason: string }
  /** The origin is, or resolved to, a private or special-purpose address. */
  | { kind: "refused" }
  /** The origin took longer than the endpoint's timeout. */
  | { kind: "timeout" }
  /** The caller's upload was still trickling in at the deadline. */
  | { kind: "caller_timeout" }
  | { kind: "too_large"; limit: number }
  /** The caller hung up during its upload; `reachedOrigin`: the origin was already reading. */
  | { kind: "abandoned"; reachedOrigin: boolean };

export interface ForwardCall {
  pathAndQuery: string;
  /** The paying wallet, told to the origin. */
  wallet: string;
  /** Held until the origin's answer has streamed out. */
  slot: CallSlot;
  /** The body, already read (keyed calls); else the caller's upload is streamed through. */
  body?: Buffer;
}

/** How a metered origin says what a call used (header, or trailer for streamed answers). */
export const CREDITS_USED = "x-credits-used";
const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);

/** The largest upload this endpoint takes: its own setting, never above the operator's cap. */
export function bodyLimitOf(ctx: AppContext, endpoint: ResolvedEndpoint): number {
  const { maxBodyBytes, defaultBodyBytes } = ctx.config.gateway;
  return Math.min(endpoint.maxBodyBytes ?? defaultBodyBytes, maxBodyBytes);
}

/** A body declared larger than the endpoint takes is refused before anything is charged. */
export function checkDeclaredBody(
  ctx: AppContext,
  endpoint: ResolvedEndpoint,
  incoming: Request,
): void {
  const limit = bodyLimitOf(ctx, endpoint);
  if (Number(incoming.headers.get("content-length") ?? 0) > limit) throw tooLarge(limit);
}

export function tooLarge(limit: number): ApiError {
  return new ApiError(
    "payload_too_large",
    `The request body exceeds this endpoint's limit of ${limit} bytes.`,
    undefined,
    { connection: "close" },
  );
}

/**
 * Sends the caller's request to the origin and returns its answer as a stream. One
 * deadline, the endpoint's timeout, covers connecting, the whole upload and the origin's
 * response headers (undici's own timers restart with every chunk, so a trickle would never
 * trip them); the answer's body then streams for as long as it flows.
 */
export async function forwardToOrigin(
  ctx: AppContext,
  endpoint: ResolvedEndpoint,
  incoming: Request,
  call: ForwardCall,
): Promise<ForwardOutcome> {
  const hasBody = incoming.body !== null && incoming.method !== "GET" && incoming.method !== "HEAD";
  const limit = bodyLimitOf(ctx, endpoint);
  const meter =
    hasBody && call.body === undefined
      ? new BodyMeter(
          nodeBodyOf(incoming) ?? webToNode(incoming.body as ReadableStream<Uint8Array>),
          limit,
        )
      : null;
  const allowPrivate = ctx.config.allowPrivateOrigins || isSeededDemo(endpoint, ctx.config);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), endpoint.timeoutMs);
  try {
    const res = await ctx.origins.for(endpoint.id, allowPrivate).request({
      origin: endpoint.originTarget.origin,
      path: `${endpoint.originTarget.pathPrefix}${call.pathAndQuery}`,
      method: incoming.method as "GET",
      headers: originRequestHeaders(incoming.headers, {
        originKey: endpoint.originKey,
        wallet: checksumWallet(call.wallet),
        // Written by our own server for gateway paths, never the caller's (lib/server).
        clientAddress: incoming.headers.get("x-forwarded-for"),
      }),
      body: call.body ?? meter,
      signal: deadline.signal,
      bodyTimeout: endpoint.timeoutMs,
    });
    const noBody = incoming.method === "HEAD" || res.statusCode === 204 || res.statusCode === 304;
    if (noBody) res.body.resume();
    else call.slot.holdUntilClosed(res.body);
    const used = res.headers[CREDITS_USED];
    return {
      kind: "response",
      status: res.statusCode,
      headers: callerResponseHeaders(res.headers),
      body: noBody ? null : res.body,
      meter: {
        header: Array.isArray(used) ? used[0] : used,
        trailerPromised: String(res.headers.trailer ?? "")
          .toLowerCase()
          .includes(CREDITS_USED),
        trailers: res.trailers,
      },
    };
  } catch (err) {
    // Stop reading the caller's body: the server closes the connection once the answer is
    // out (lib/server/http-server).
    meter?.destroy();
    if (meter?.tooLarge) return { kind: "too_large", limit };
    if (meter?.callerGone) return { kind: "abandoned", reachedOrigin: meter.reachedOrigin };
    if (deadline.signal.aborted)
      return meter?.callerStalled ? { kind: "caller_timeout" } : { kind: "timeout" };
    const code = (err as { code?: string }).code ?? "";
    if (code === ADDRESS_REFUSED) return { kind: "refused" };
    if (TIMEOUT_CODES.has(code)) return { kind: "timeout" };
    return { kind: "unavailable", reason: code || (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
