import type { IncomingMessage } from "node:http";
import ipaddr from "ipaddr.js";
import proxyAddr from "proxy-addr";

/**
 * Claims about the client's address or the original request that only a proxy we trust
 * could make; from a caller they are lies the origin might believe. The origin gets one
 * fresh X-Forwarded-For instead (see stampClientAddress).
 */
export const FORWARDING_CLAIMS = new Set([
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-forwarded-port",
  "x-forwarded-server",
  "x-forwarded-prefix",
  "forwarded",
  "x-real-ip",
  "x-client-ip",
  "x-cluster-client-ip",
  "true-client-ip",
  "cf-connecting-ip",
  "fastly-client-ip",
  "x-original-forwarded-for",
  "x-original-url",
  "x-rewrite-url",
]);

/** Is the proxy at `addr`, `hop` steps from us (0: our socket's peer), one we trust? */
export type TrustProxy = (addr: string, hop: number) => boolean;

/**
 * TRUST_PROXY as a trust function: addresses, CIDR ranges or proxy-addr's names
 * (`loopback`, `linklocal`, `uniquelocal`). Empty: no proxy is trusted, the peer is the
 * client. A cluster's primary also trusts its first hop, the worker that relayed the call
 * (which appends the real peer to X-Forwarded-For).
 */
export function compileTrust(list: string[], relayedByWorker = false): TrustProxy {
  const configured = proxyAddr.compile(list);
  if (!relayedByWorker) return configured;
  return (addr, hop) => (hop === 0 ? isLoopback(addr) : configured(addr, hop - 1));
}

function isLoopback(addr: string): boolean {
  if (!ipaddr.isValid(addr)) return false;
  return ipaddr.process(addr).range() === "loopback";
}

/**
 * The one place a request's client address is decided, before any handler runs: the
 * socket's peer, or the X-Forwarded-For entry left by the nearest proxy we do not trust.
 * Every forwarding claim the caller made is dropped and replaced by one X-Forwarded-For
 * holding that address, on the Node request, so both doors (ours and Next's), the rate
 * limits and the origins see only what this server vouches for.
 */
export function stampClientAddress(req: IncomingMessage, trust: TrustProxy): void {
  // No address once the socket is gone; the request then fails on its own.
  const found = proxyAddr(req, trust) ?? "";
  const raw = req.rawHeaders;
  let kept = 0;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (FORWARDING_CLAIMS.has((raw[i] as string).toLowerCase())) continue;
    raw[kept++] = raw[i] as string;
    raw[kept++] = raw[i + 1] as string;
  }
  raw.length = kept;
  for (const name of FORWARDING_CLAIMS) delete req.headers[name];
  if (!ipaddr.isValid(found)) return;
  // A v4 client on a dual-stack socket shows as ::ffff:a.b.c.d.
  const address = ipaddr.process(found).toString();
  req.headers["x-forwarded-for"] = address;
  raw.push("X-Forwarded-For", address);
}

/**
 * The client of a request, as a key for per-client limits: IPv4 as is, IPv6 by its /64,
 * which is what one subscriber is given. Reads the X-Forwarded-For that
 * stampClientAddress vouched for (under `next dev`, with no custom server, nothing is
 * stamped and the header is the caller's word).
 */
export function clientKey(request: Request): string {
  const ip = request.headers.get("x-forwarded-for") ?? "";
  if (!ipaddr.isValid(ip)) return "unknown";
  const addr = ipaddr.process(ip);
  if (addr.kind() === "ipv4") return addr.toString();
  const parts = (addr as ipaddr.IPv6).toNormalizedString().split(":").slice(0, 4);
  return `${parts.join(":")}::/64`;
}
