import type { IncomingMessage } from "node:http";
import { ApiError } from "@/lib/http/errors";

const PREFIXES = ["/api/public/endpoints/", "/e/"];

export interface GatewayTarget {
  slug: string;
  /** The normalised path after the slug ("/" when none): what is priced and forwarded. */
  path: string;
  search: string;
}

export function isGatewayPath(pathname: string): boolean {
  return PREFIXES.some((p) => pathname.startsWith(p));
}

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

function refuse(why: string): never {
  throw new ApiError("bad_request", `The path ${why}.`);
}

/**
 * One segment in its single normal form: escapes of unreserved characters decoded (`%65` →
 * `e`), every other escape in upper-case hex. Refused: what origins disagree about, so that
 * no spelling is priced as one route and served as another — encoded `/` and `\`, `\`
 * itself, `;` path parameters (stripped by some servers), control characters, malformed
 * escapes, and `.`/`..` in any spelling.
 */
function normaliseSegment(segment: string): string {
  if (segment.includes("\\")) refuse("contains a backslash");
  if (segment.includes(";")) refuse("contains ';' (path parameters are not supported)");
  const normal = segment.replace(/%(.{0,2})/g, (_escape, hex: string) => {
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) refuse("contains a malformed %-escape");
    const code = Number.parseInt(hex, 16);
    const char = String.fromCharCode(code);
    if (char === "/" || char === "\\") refuse("contains an encoded '/' or '\\'");
    if (char === ";") refuse("contains an encoded ';'");
    if (code < 0x20 || code === 0x7f) refuse("contains an encoded control character");
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
  if (normal === "." || normal === "..") refuse("contains a '.' or '..' segment");
  return normal;
}

/**
 * `/a//b/%65/` → `/a/b/e/`: empty segments dropped (a trailing `/` is kept: origins may
 * tell `/x` from `/x/`), each segment normalised. Throws a 400 for the refused forms.
 */
export function normaliseGatewayPath(rest: string): string {
  const segments = rest
    .split("/")
    .filter((s) => s !== "")
    .map(normaliseSegment);
  const trailing = rest.endsWith("/") && segments.length > 0 ? "/" : "";
  return `/${segments.join("/")}${trailing}`;
}

/**
 * Checks the request target as it came off the wire, before a URL parser resolves `..`
 * or turns `\` into `/` (which would hide them from the normalisation above).
 */
export function checkRawGatewayPath(rawPathname: string): void {
  const prefix = PREFIXES.find((p) => rawPathname.startsWith(p));
  if (prefix) normaliseGatewayPath(rawPathname.slice(prefix.length));
}

/**
 * The request target as it came off the wire, which our server sets on gateway requests
 * for both doors (a caller's own value is dropped: lib/http/client-ip). A URL parser
 * re-encodes a query (`'` → `%27`, `"` → `%22`; Next re-serialises it whole), and the
 * origin must get the query byte for byte.
 */
export const RAW_TARGET_HEADER = "x-original-url";

export function stampRawTarget(req: IncomingMessage): void {
  const target = req.url ?? "/";
  req.headers[RAW_TARGET_HEADER] = target;
  req.rawHeaders.push(RAW_TARGET_HEADER, target);
}

/**
 * `/e/SLUG/rest?q` and `/api/public/endpoints/SLUG/rest?q` → slug, `/rest`, `?q`. The query
 * is taken from the raw target when there is one: everything after its first `?`, as sent.
 */
export function parseGatewayTarget(url: URL, rawTarget?: string | null): GatewayTarget {
  const prefix = PREFIXES.find((p) => url.pathname.startsWith(p));
  const normal = normaliseGatewayPath(prefix ? url.pathname.slice(prefix.length) : "");
  const slash = normal.indexOf("/", 1);
  const slug = slash === -1 ? normal.slice(1) : normal.slice(1, slash);
  if (!slug) throw new ApiError("endpoint_not_found", "The URL names no endpoint.");
  const q = rawTarget?.indexOf("?") ?? -1;
  const search = rawTarget == null ? url.search : q === -1 ? "" : rawTarget.slice(q);
  return { slug, path: slash === -1 ? "/" : normal.slice(slash), search };
}
