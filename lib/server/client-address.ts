import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import { FORWARDING_CLAIMS } from "@/lib/gateway/headers";

/**
 * Replaces whatever the caller claimed about its address (X-Forwarded-For, X-Real-IP,
 * Forwarded, …) with one X-Forwarded-For holding the address this server saw: the TCP
 * peer, or, on a cluster primary (`trustHop`), the last hop its own worker added. Done on
 * the Node request, so both doors (ours and Next's) see only what we vouch for.
 */
export function stampClientAddress(req: IncomingMessage, trustHop: boolean): void {
  let client = req.socket.remoteAddress ?? "";
  if (trustHop) {
    const chain = String(req.headers["x-forwarded-for"] ?? "").split(",");
    const last = chain[chain.length - 1]?.trim() ?? "";
    if (isIP(last)) client = last;
  }
  const raw = req.rawHeaders;
  let kept = 0;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (FORWARDING_CLAIMS.has((raw[i] as string).toLowerCase())) continue;
    raw[kept++] = raw[i] as string;
    raw[kept++] = raw[i + 1] as string;
  }
  raw.length = kept;
  for (const name of FORWARDING_CLAIMS) delete req.headers[name];
  if (!isIP(client)) return;
  // A v4 client on a dual-stack socket shows as ::ffff:a.b.c.d.
  const address = ipaddr.process(client).toString();
  req.headers["x-forwarded-for"] = address;
  raw.push("X-Forwarded-For", address);
}
