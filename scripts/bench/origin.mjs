// @ts-check
import { createServer } from "node:http";

/**
 * The bench's origin API, run as a child process of `scripts/bench/run.ts` (plain JavaScript,
 * no tsx loader): answers every path with the same ~100-byte JSON and counts hits per first
 * path segment (`/c/x` counts under "c"), so each scenario can point its endpoint at its own
 * segment. `GET /__hits`
 * answers the counts as JSON and is not counted itself. Prints `listening PORT` when ready.
 */
const BODY = Buffer.from(
  JSON.stringify({
    ok: true,
    source: "x402-credits-bench-origin",
    data: "0123456789abcdef",
  }).padEnd(100, " "),
);
/** @type {Map<string, number>} */
const hits = new Map();

const server = createServer((req, res) => {
  const url = req.url ?? "/";
  if (url === "/__hits") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(Object.fromEntries(hits)));
    return;
  }
  const end = url.slice(1).search(/[/?]/);
  const segment = end === -1 ? url.slice(1) : url.slice(1, end + 1);
  hits.set(segment, (hits.get(segment) ?? 0) + 1);
  req.resume();
  res.writeHead(200, { "content-type": "application/json", "content-length": BODY.length });
  res.end(BODY);
});
// Generous keep-alive, so neither the gateway's pool nor the proxy's reconnects mid-run.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen(0, "127.0.0.1", () => {
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  console.log(`listening ${address.port}`);
});
process.once("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
