// @ts-check
// Plain JavaScript: the anchor is Node alone, without tsx's loader (about 40 MB a process).
import cluster from "node:cluster";
import { Agent, createServer, request } from "node:http";

/**
 * The plain Node proxy anchor, run as a child of `scripts/bench/run.ts`: a `node:http`
 * server forwarding to ORIGIN_URL with `http.request` on a keep-alive agent, no ledger, in a
 * node:cluster of WORKERS processes on PORT (as the gateway: an idle primary and its
 * workers). Prints `listening PORT` once every worker listens.
 */
const origin = new URL(process.env.ORIGIN_URL ?? "");
const port = Number(process.env.PORT);
const workers = Number(process.env.WORKERS || 1);

/** Hop-by-hop headers (RFC 9110 §7.6.1): not forwarded in either direction. */
const HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade"]);

/** @param {string[]} raw headers as [name, value, name, value, …] */
function endToEnd(raw) {
  /** @type {string[]} */
  const out = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (!HOP.has(raw[i].toLowerCase())) out.push(raw[i], raw[i + 1]);
  }
  return out;
}

function serve() {
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => {
    const upstream = request(
      {
        host: origin.hostname,
        port: origin.port,
        method: req.method,
        path: req.url,
        headers: endToEnd(req.rawHeaders),
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, endToEnd(answer.rawHeaders));
        answer.pipe(res);
      },
    );
    upstream.once("error", () => {
      if (res.headersSent) res.destroy();
      else res.writeHead(502).end();
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, "127.0.0.1", () => {
    if (workers === 1) console.log(`listening ${port}`);
  });
}

if (workers > 1 && cluster.isPrimary) {
  let listening = 0;
  for (let i = 0; i < workers; i++) {
    cluster.fork().once("listening", () => {
      if (++listening === workers) console.log(`listening ${port}`);
    });
  }
  // Workers exit when the primary's IPC channel closes.
  process.once("SIGTERM", () => process.exit(0));
} else {
  serve();
}
