import ipaddr from "ipaddr.js";

// Only global unicast is reachable on a public deployment. ipaddr.js names every IANA
// special-purpose range (loopback, private, link-local, CGNAT, unique-local, multicast,
// broadcast, documentation, benchmarking, reserved, and the IPv6 ranges that embed an IPv4
// address: mapped, SIIT, NAT64, 6to4, Teredo) and calls the rest "unicast". IPv6 is further
// held to 2000::/3, the only block IANA allocates for global unicast: that excludes the
// deprecated IPv4-compatible ::/96 (`[::127.0.0.1]`), which ipaddr.js calls unicast.
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR("2000::/3");

/**
 * The special-purpose range an IP address belongs to (`loopback`, `private`, `ipv4Mapped`,
 * `rfc6052` …), `ipv4Compatible` for ::/96, or null for a global unicast address. Throws
 * on text that is not an IP address.
 */
export function specialRangeOf(ip: string): string | null {
  const address = ipaddr.parse(ip);
  const range = address.range();
  if (range !== "unicast") return range;
  if (address.kind() === "ipv6" && !address.match(GLOBAL_UNICAST_V6)) return "ipv4Compatible";
  return null;
}

export function isIpAddress(text: string): boolean {
  return ipaddr.isValid(text);
}

/** Is this IP address one the gateway may connect to when private origins are not allowed? */
export function isPublicAddress(ip: string): boolean {
  return specialRangeOf(ip) === null;
}

/** `127.0.0.1`, `::1`, `localhost` and its subdomains: names of this machine only. */
export function isLoopbackHost(host: string): boolean {
  const bare = host
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();
  if (bare === "localhost" || bare.endsWith(".localhost")) return true;
  if (!ipaddr.isValid(bare)) return false;
  return ipaddr.process(bare).range() === "loopback";
}
