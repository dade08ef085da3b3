import type { Readable } from "node:stream";
import { Agent, request } from "undici";
import type { ResolvedEndpoint } from "@/lib/endpoints/resolved";
import { nodeBodyOf, webToNode } from "@/lib/server/node-body";
import { callerResponseHeaders, originRequestHeaders } from "./headers";

// One keep-alive pool per process: reconnecting to the origin per call would cost more
// than the whole ledger round trip.
const agent = new Agent({
  keepAliveTimeout: 30_000,
  connections: 512,
  connect: { timeout: 10_000 },
});

export type ForwardOutcome =
  | { kind: "response"; status: number; headers: Headers; body: Readable | null }
  | { kind: "unavailable"; reason: string }
  | { kind: "timeout" };

const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);

/**
 * Sends the caller's request to the origin and returns its answer as a stream. The
 * endpoint's timeout bounds the wait for the origin's response headers (and each pause
 * in the body); the body itself streams for as long as it flows.
 */
export async function forwardToOrigin(
  endpoint: ResolvedEndpoint,
  incoming: Request,
  pathAndQuery: string,
): Promise<ForwardOutcome> {
  const hasBody = incoming.body !== null && incoming.method !== "GET" && incoming.method !== "HEAD";
  try {
    const res = await request(`${endpoint.originUrl}${pathAndQuery}`, {
      method: incoming.method as "GET",
      headers: originRequestHeaders(incoming.headers, endpoint.originKey),
      body: hasBody
        ? (nodeBodyOf(incoming) ?? webToNode(incoming.body as ReadableStream<Uint8Array>))
        : null,
      dispatcher: agent,
      headersTimeout: endpoint.timeoutMs,
      bodyTimeout: endpoint.timeoutMs,
    });
    const noBody = incoming.method === "HEAD" || res.statusCode === 204 || res.statusCode === 304;
    if (noBody) res.body.resume();
    return {
      kind: "response",
      status: res.statusCode,
      headers: callerResponseHeaders(res.headers),
      body: noBody ? null : res.body,
    };
  } catch (err) {
    const code = (err as { code?: string }).code ?? "";
    if (TIMEOUT_CODES.has(code)) return { kind: "timeout" };
    return { kind: "unavailable", reason: code || (err as Error).message };
  }
}
