import { Agent, type IncomingMessage, request, type ServerResponse } from "node:http";
import { ERROR_STATUS, errorBody } from "@/lib/http/errors";

// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection, not to the request.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "upgrade",
  "proxy-authorization",
]);

/**
 * Passes a request a worker does not serve itself (pages, provider APIs, purchases) to the
 * primary process on its loopback port, streaming both ways. The primary is the complete
 * single-process app; workers only take the debit-and-forward hot paths off it.
 */
export function proxyToPrimary(primaryPort: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  return (req: IncomingMessage, res: ServerResponse): Promise<void> =>
    new Promise((resolve) => {
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
      }
      const peer = req.socket.remoteAddress ?? "";
      const forwarded = req.headers["x-forwarded-for"];
      headers["x-forwarded-for"] = forwarded ? `${forwarded}, ${peer}` : peer;
      const upstream = request(
        { host: "127.0.0.1", port: primaryPort, method: req.method, path: req.url, headers, agent },
        (answer) => {
          const out: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(answer.headers)) {
            if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
          }
          res.writeHead(answer.statusCode ?? 502, out);
          answer.pipe(res);
          answer.once("error", () => res.destroy());
        },
      );
      upstream.once("error", () => {
        if (!res.headersSent) {
          const body = errorBody("app_unavailable", "The app is restarting; retry shortly.");
          res.writeHead(ERROR_STATUS.app_unavailable, {
            "content-type": "application/json",
            "retry-after": "1",
          });
          res.end(JSON.stringify(body));
        } else res.destroy();
      });
      res.once("close", () => {
        if (!res.writableFinished) upstream.destroy();
        resolve();
      });
      req.pipe(upstream);
    });
}
