/** Paths that are their own template (app/ routes and pages without a dynamic segment). */
const STATIC = new Set([
  "/",
  "/e",
  "/me",
  "/provider",
  "/provider/keys",
  "/provider/new",
  "/healthz",
  "/readyz",
  "/metrics",
  "/openapi.json",
  "/llms.txt",
  "/.well-known/x402",
  "/api/auth/logout",
  "/api/auth/nonce",
  "/api/auth/session",
  "/api/auth/token",
  "/api/auth/verify",
  "/api/config",
  "/api/demo",
  "/api/credits/balance",
  "/api/credits/consume",
  "/api/credits/packs",
  "/api/credits/purchase",
  "/api/dev/faucet",
  "/api/endpoints",
  "/api/provider/endpoints",
  "/api/provider/keys",
  "/api/public/endpoints",
]);

/**
 * Dynamic routes, most specific first: a prefix and the template for the segments after
 * it (`:name` one segment, `*` whatever follows).
 */
const DYNAMIC: [prefix: string, template: string, segments: number][] = [
  ["/e/", "/e/:slug", 0],
  ["/api/public/endpoints/", "/api/public/endpoints/:slug", 0],
  ["/api/credits/purchases/", "/api/credits/purchases/:id", 1],
  ["/api/me/", "/api/me/:view", 1],
  ["/api/endpoints/", "/api/endpoints/:slug/openapi.json", 2],
  ["/api/provider/endpoints/", "/api/provider/endpoints/:slug/:action", 2],
  ["/api/provider/endpoints/", "/api/provider/endpoints/:slug", 1],
  ["/api/demo/", "/api/demo", 0],
  ["/endpoints/", "/endpoints/:slug", 1],
  ["/provider/", "/provider/:slug", 1],
  ["/_next/", "/_next/*", 0],
  ["/api/", "/api/*", 0],
];

/**
 * The route template a path belongs to, for the `route` label: one of a fixed set, so a
 * caller choosing paths cannot grow the metrics. Unknown paths are `other`.
 */
export function routeTemplate(pathname: string): string {
  if (STATIC.has(pathname)) return pathname;
  for (const [prefix, template, segments] of DYNAMIC) {
    if (!pathname.startsWith(prefix)) continue;
    if (segments === 0) return template;
    const rest = pathname.slice(prefix.length);
    if (rest !== "" && countSegments(rest) === segments) return template;
  }
  return "other";
}

function countSegments(rest: string): number {
  let n = 1;
  for (let i = 0; i < rest.length; i++) if (rest.charCodeAt(i) === 47) n++;
  return rest.endsWith("/") ? n - 1 : n;
}

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** The method label: a standard method, else `other` (any token is a valid method). */
export function methodLabel(method: string | undefined): string {
  return method !== undefined && METHODS.has(method) ? method : "other";
}
