import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { ApiError } from "@/lib/http/errors";

/** IPv4 ranges an origin must not point at on a public deployment (SSRF). */
const BLOCKED_V4: [number, number][] = [
  [0x00000000, 8], // "this" network
  [0x0a000000, 8], // private
  [0x64400000, 10], // carrier-grade NAT
  [0x7f000000, 8], // loopback
  [0xa9fe0000, 16], // link-local (cloud metadata lives here)
  [0xac100000, 12], // private
  [0xc0a80000, 16], // private
  [0xe0000000, 4], // multicast
  [0xf0000000, 4], // reserved
];

function v4ToInt(ip: string): number {
  return ip.split(".").reduce((n, part) => (n << 8) + Number(part), 0) >>> 0;
}

export function isPrivateAddress(ip: string): boolean {
  const mapped = ip.toLowerCase().match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/);
  const v4 = mapped?.[1] ?? (isIP(ip) === 4 ? ip : undefined);
  if (v4) {
    const n = v4ToInt(v4);
    return BLOCKED_V4.some(([base, bits]) => (n & (~0 << (32 - bits))) >>> 0 === base);
  }
  const v6 = ip.toLowerCase();
  return v6 === "::" || v6 === "::1" || /^f[cd]/.test(v6) || /^fe[89ab]/.test(v6);
}

/**
 * Validates a provider's origin URL: http(s), no credentials in it, and (unless private
 * origins are allowed, as in the embedded/dev mode) a host that neither is nor resolves to
 * a loopback, private or link-local address. Resolution is checked when the URL is saved;
 * the gateway connects to whatever DNS says later, so operators should also egress-filter.
 */
export async function validateOriginUrl(raw: string, allowPrivate: boolean): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid("is not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw invalid("must use http or https");
  if (url.username || url.password) throw invalid("must not contain credentials");
  if (url.hash) throw invalid("must not contain a fragment");
  if (allowPrivate) return url.toString().replace(/\/+$/, "");
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (host === "localhost" || host.endsWith(".localhost"))
    throw invalid("must not point at this machine");
  const addresses = isIP(host) ? [host] : await resolve(host);
  if (addresses.some(isPrivateAddress)) {
    throw invalid("must not point at a loopback, private or link-local address");
  }
  return url.toString().replace(/\/+$/, "");
}

async function resolve(host: string): Promise<string[]> {
  try {
    return (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    throw invalid(`has a host (${host}) that does not resolve`);
  }
}

function invalid(why: string): ApiError {
  return new ApiError("invalid_field", `Field "originUrl" ${why}.`);
}
