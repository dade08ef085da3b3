import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { AppContext } from "@/lib/app/context";
import { checkRawGatewayPath, isGatewayPath, stampRawTarget } from "@/lib/gateway/path";
import { compileTrust, stampClientAddress } from "@/lib/http/client-ip";
import { ApiError, errorBody, errorResponse } from "@/lib/http/errors";
import { withErrors } from "@/lib/http/handler";
import { baseSecurityHeaders, DATA_CSP } from "@/lib/http/security-headers";
import { stampRequestId } from "@/lib/log/request-id";
import { logRequest } from "@/lib/log/request-log";
import { observeRequest } from "@/lib/metrics/http";
import { corsFor, isCorsPath } from "./cors";
import { findHotPath, type HotPathFinder } from "./hot-paths";
import { sendWebResponse, toWebRequest } from "./node-adapter";

export type NextHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * One port for everything: hot agent paths are dispatched to `lib/` handlers directly,
 * every other request goes to `rest` (Next.js, or in a cluster worker the primary).
 */
export function createAppServer(
  ctx: AppContext,
  rest: NextHandler,
  hotPath: HotPathFinder = findHotPath,
  opts: { relayedByWorkers?: boolean } = {},
): Server {
  const origin = ctx.config.publicUrl;
  const trust = compileTrust(ctx.config.trustProxy, opts.relayedByWorkers);
  const security = baseSecurityHeaders(origin.startsWith("https:"));
  const cors = corsFor(ctx.config.corsOrigins);
  const server = createServer(async (req, res) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const pathname = q === -1 ? url : url.slice(0, q);
    // Stamped on the request, so both doors and the gateway's origin call see ours only.
    const reqId = stampRequestId(req);
    res.setHeader("x-request-id", reqId);
    // Counted and logged where the caller's connection ends: a cluster's primary only sees relays.
    if (!opts.relayedByWorkers) {
      observeRequest(req, res, pathname);
      logRequest(req, res, pathname, reqId);
    }
    // Before any handler runs: rate limits and origins key on this, every answer carries these.
    stampClientAddress(req, trust);
    for (const [name, value] of security) res.setHeader(name, value);
    // An answer sent before the request body was read whole (413, 408, a refusal) closes
    // the connection, rather than reading the rest of a body nobody wants.
    res.once("finish", () => {
      if (!req.complete) req.socket.destroySoon();
    });
    // Here, so that both doors and every status carry it, and a preflight reaches no handler.
    if (isCorsPath(pathname) && cors(req, res)) return;
    if (isGatewayPath(pathname)) {
      stampRawTarget(req);
      try {
        checkRawGatewayPath(pathname);
      } catch (err) {
        if (err instanceof ApiError) return void (await sendWebResponse(res, errorResponse(err)));
        throw err;
      }
    }
    const hot = ctx.config.fastPaths ? hotPath(pathname, req) : undefined;
    try {
      if (hot) {
        res.setHeader("content-security-policy", DATA_CSP);
        await sendWebResponse(res, await withErrors(hot)(toWebRequest(req, origin), ctx));
      } else await rest(req, res);
    } catch (err) {
      // The client went away mid-stream, or Next failed before answering.
      if (!res.headersSent)
        writeJsonError(res, 500, "internal_error", "Something went wrong on our side.");
      else res.destroy(err instanceof Error ? err : undefined);
    }
  });
  // No protocol upgrades here. Next's request handler attaches an 'upgrade' listener to the
  // server of the first request it serves (for dev HMR and proxied rewrites); with one
  // attached, Node hands every request carrying an Upgrade header to it instead of the
  // handler above, and Next closes the socket of any app route: a WebSocket handshake got
  // no answer, and `curl --http2`'s h2c offer a hang-up. Without one, such requests are
  // plain requests (the gateway answers a WebSocket handshake 501, lib/gateway/handle).
  server.on("newListener", (event: string | symbol, listener: (...args: unknown[]) => void) => {
    if (event === "upgrade") queueMicrotask(() => server.off("upgrade", listener));
  });
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) return socket.destroy();
    const tooLarge = err.code === "HPE_HEADER_OVERFLOW";
    const body = JSON.stringify(
      tooLarge
        ? errorBody("headers_too_large", "The request line and headers exceed 16 KB.")
        : errorBody("bad_request", "The request is not valid HTTP."),
    );
    socket.end(
      `HTTP/1.1 ${tooLarge ? "431 Request Header Fields Too Large" : "400 Bad Request"}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  return server;
}

function writeJsonError(
  res: ServerResponse,
  status: number,
  code: "internal_error",
  message: string,
) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(errorBody(code, message)));
}
