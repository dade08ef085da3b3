/**
 * Every special-purpose address range (IANA IPv4/IPv6 special-purpose registries, plus
 * multicast and the reserved class E), one or two members each, and every textual form a
 * URL can spell an IPv4 address in. The SSRF tests build the full cross product.
 */
export const SPECIAL_V4: [range: string, address: string][] = [
  ["this network", "0.0.0.0"],
  ["this network", "0.1.2.3"],
  ["private 10/8", "10.1.2.3"],
  ["carrier-grade NAT", "100.64.1.2"],
  ["loopback", "127.0.0.1"],
  ["loopback", "127.9.8.7"],
  ["link-local (cloud metadata)", "169.254.169.254"],
  ["private 172.16/12", "172.31.255.254"],
  ["IETF protocol assignments", "192.0.0.8"],
  ["documentation TEST-NET-1", "192.0.2.10"],
  ["6to4 relay anycast", "192.88.99.1"],
  ["private 192.168/16", "192.168.1.1"],
  ["benchmarking", "198.18.0.1"],
  ["documentation TEST-NET-2", "198.51.100.7"],
  ["documentation TEST-NET-3", "203.0.113.9"],
  ["multicast", "224.0.0.1"],
  ["multicast", "239.255.255.250"],
  ["reserved class E", "240.0.0.1"],
  ["broadcast", "255.255.255.255"],
];

export const SPECIAL_V6: [range: string, address: string][] = [
  ["loopback", "::1"],
  ["unspecified", "::"],
  ["link-local", "fe80::1"],
  ["link-local", "febf::1"],
  ["unique-local", "fc00::1"],
  ["unique-local", "fd12:3456::1"],
  ["deprecated site-local", "fec0::1"],
  ["multicast", "ff02::1"],
  ["multicast", "ff0e::1"],
  ["documentation", "2001:db8::1"],
  ["documentation (RFC 9637)", "3fff::1"],
  ["discard-only", "100::1"],
  ["benchmarking", "2001:2::1"],
  ["ORCHIDv2", "2001:20::1"],
  ["segment routing", "5f00::1"],
];

function octets(v4: string): number[] {
  return v4.split(".").map(Number);
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

/** The URL hosts (with port) that all mean `v4`, or an IPv6 address embedding it. */
export function v4Forms(v4: string, port: number): [form: string, host: string][] {
  const [a = 0, b = 0, c = 0, d = 0] = octets(v4);
  const n = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
  const high = hex((a << 8) | b, 4);
  const low = hex((c << 8) | d, 4);
  return [
    ["dotted", `${v4}:${port}`],
    ["integer", `${n}:${port}`],
    ["octal", `${[a, b, c, d].map((o) => `0${o.toString(8)}`).join(".")}:${port}`],
    ["hex", `0x${hex(n, 8)}:${port}`],
    ["dotted hex", `${[a, b, c, d].map((o) => `0x${hex(o, 2)}`).join(".")}:${port}`],
    ["two-part", `${a}.${(b << 16) | (c << 8) | d}:${port}`],
    ["trailing dot", `${v4}.:${port}`],
    ["IPv4-mapped", `[::ffff:${v4}]:${port}`],
    ["IPv4-compatible", `[::${v4}]:${port}`],
    ["IPv4-translated (SIIT)", `[::ffff:0:${v4}]:${port}`],
    ["NAT64 well-known", `[64:ff9b::${v4}]:${port}`],
    ["NAT64 local-use", `[64:ff9b:1::${v4}]:${port}`],
    ["6to4", `[2002:${high}:${low}::1]:${port}`],
    [
      "Teredo",
      `[2001:0:4136:e378:8000:63bf:${hex(~((a << 8) | b) & 0xffff, 4)}:${hex(~((c << 8) | d) & 0xffff, 4)}]:${port}`,
    ],
  ];
}

/** Every special-purpose origin URL: [range, form, url]. */
export function specialOriginUrls(port: number): [string, string, string][] {
  const rows: [string, string, string][] = [];
  for (const [range, v4] of SPECIAL_V4)
    for (const [form, host] of v4Forms(v4, port))
      rows.push([`${range} ${v4}`, form, `http://${host}`]);
  for (const [range, v6] of SPECIAL_V6)
    rows.push([`${range} ${v6}`, "IPv6", `http://[${v6}]:${port}`]);
  return rows;
}

/** Public addresses in the same forms that stay allowed (none of them embeds IPv4). */
export const PUBLIC_ORIGINS = [
  "http://93.184.215.14:8080",
  "http://1572329230:8080",
  "https://[2606:4700:4700::1111]",
  "http://8.8.8.8.",
];
