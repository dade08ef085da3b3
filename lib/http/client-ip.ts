import type { IncomingMessage } from "node:http";
import ipaddr from "ipaddr.js";
import proxyAddr from "proxy-addr";

/**
 * The header through which the server hands each request's client address to the handlers
 * (Web `Request`s carry no socket). Whatever a caller sends under this name is replaced.
 */
export const CLIENT_IP_HEADER = "x-xc-client-ip";

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
 * Sets CLIENT_IP_HEADER on a Node request to its client's address: the socket's peer, or
 * the X-Forwarded-For entry left by the nearest proxy we do not trust.
 */
export function stampClientIp(req: IncomingMessage, trust: TrustProxy): void {
  // No address once the socket is gone; the request then fails on its own.
  const ip = proxyAddr(req, trust) ?? "";
  const raw = req.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2) {
    if (raw[i]?.toLowerCase() === CLIENT_IP_HEADER) raw.splice(i, 2);
  }
  raw.push(CLIENT_IP_HEADER, ip);
  req.headers[CLIENT_IP_HEADER] = ip;
}

/**
 * The client of a request, as a key for per-client limits: IPv4 as is (also when written
 * as IPv4-mapped IPv6), IPv6 by its /64, which is what one subscriber is given.
 */
export function clientKey(request: Request): string {
  const ip = request.headers.get(CLIENT_IP_HEADER) ?? "";
  if (!ipaddr.isValid(ip)) return "unknown";
  const addr = ipaddr.process(ip);
  if (addr.kind() === "ipv4") return addr.toString();
  const parts = (addr as ipaddr.IPv6).toNormalizedString().split(":").slice(0, 4);
  return `${parts.join(":")}::/64`;
}
