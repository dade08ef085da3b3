import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

/**
 * The proxy ceiling of this machine, run as a child process of `scripts/bench/run.ts`: a
 * minimal pass-through proxy in plain `node:http` + global `fetch`, no ledger, forwarding
 * every request to ORIGIN_URL and streaming the answer back. It does the same transport
 * work as the gateway's fast door (parse, fetch on a keep-alive pool, stream back with
 * chunked encoding) and nothing else. Prints `listening PORT` when ready.
 */
const origin = process.env.ORIGIN_URL;
if (!origin) throw new Error("ORIGIN_URL is required");

/** Hop-by-hop headers, plus the ones `fetch` makes stale (it decodes the body). */
const SKIP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
  "content-encoding",
]);

const server = createServer(async (req, res) => {
  try {
    const headers = new Headers();
    const raw = req.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = (raw[i] as string).toLowerCase();
      if (!SKIP.has(name)) headers.append(name, raw[i + 1] as string);
    }
    const method = req.method ?? "GET";
    const hasBody = method !== "GET" && method !== "HEAD";
    const upstream = await fetch(`${origin}${req.url ?? "/"}`, {
      method,
      headers,
      body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
      duplex: "half",
    } as RequestInit);
    res.statusCode = upstream.status;
    for (const [name, value] of upstream.headers) {
      if (!SKIP.has(name)) res.setHeader(name, value);
    }
    if (upstream.body) {
      const reader = upstream.body.getReader();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        if (!res.write(chunk.value)) await once(res, "drain");
      }
    }
    res.end();
  } catch {
    if (!res.headersSent) res.writeHead(502).end();
    else res.destroy();
  }
});
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen(0, "127.0.0.1", () => {
  console.log(`listening ${(server.address() as AddressInfo).port}`);
});
process.once("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
