import { ApiError } from "@/lib/http/errors";

const PREFIXES = ["/api/public/endpoints/", "/e/"];

export interface GatewayTarget {
  slug: string;
  /** What the origin sees: the path after the slug ("/" when none) and the query. */
  path: string;
  search: string;
}

export function isGatewayPath(pathname: string): boolean {
  return PREFIXES.some((p) => pathname.startsWith(p));
}

/** `/e/SLUG/rest?q` and `/api/public/endpoints/SLUG/rest?q` → slug, `/rest`, `?q`. */
export function parseGatewayTarget(url: URL): GatewayTarget {
  const prefix = PREFIXES.find((p) => url.pathname.startsWith(p));
  const rest = prefix ? url.pathname.slice(prefix.length) : "";
  const slash = rest.indexOf("/");
  const slug = slash === -1 ? rest : rest.slice(0, slash);
  if (!slug) throw new ApiError("endpoint_not_found", "The URL names no endpoint.");
  return { slug, path: slash === -1 ? "/" : rest.slice(slash), search: url.search };
}
