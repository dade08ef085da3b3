import type { IncomingMessage, ServerResponse } from "node:http";
import cors from "cors";

/**
 * The agent-facing routes a page on another origin may call: balance, packs, the catalog,
 * the chain config, purchases, the gateway and the discovery documents. By prefix where a
 * family of paths shares one purpose, so routes added under it are covered. The dashboard,
 * sign-in, provider and buyer (`/api/me`) APIs are left out: they run on the session
 * cookie, and stay same-origin.
 */
const EXACT = new Set([
  "/api/credits/balance",
  "/api/credits/packs",
  "/api/credits/purchase",
  "/api/config",
  "/api/endpoints",
  "/api/public/endpoints",
  "/e",
  "/openapi.json",
  "/llms.txt",
  "/.well-known/x402",
]);
const PREFIXES = [
  "/api/credits/purchases/",
  "/api/endpoints/",
  "/api/public/endpoints/",
  "/e/",
  "/.well-known/x402/",
];

export function isCorsPath(pathname: string): boolean {
  return EXACT.has(pathname.replace(/\/$/, "")) || PREFIXES.some((p) => pathname.startsWith(p));
}

/** What an x402 client and the seed protocol send beyond the CORS-safelisted headers. */
export const CORS_ALLOWED_HEADERS = [
  "x-wallet-address",
  "PAYMENT-SIGNATURE",
  "X-PAYMENT",
  "SIGN-IN-WITH-X",
  "Idempotency-Key",
  "Content-Type",
  "Authorization",
  "X-Request-Id",
  // @x402/fetch 2.27 sets this (a response header) on its paid retry, so a browser asks for
  // it in the preflight; without it the official client could not pay from a page.
  "Access-Control-Expose-Headers",
];

/** What an agent reads from our answers beyond the safelisted response headers. */
export const CORS_EXPOSED_HEADERS = [
  "PAYMENT-REQUIRED",
  "PAYMENT-RESPONSE",
  "X-PAYMENT-RESPONSE",
  "x-credits-charged",
  "x-credits-remaining",
  "x-credits-refund",
  "idempotent-replayed",
  "Retry-After",
  "X-Request-Id",
];

/** Chrome caps a cached preflight at two hours; Firefox at one day. */
const PREFLIGHT_MAX_AGE_SECONDS = 7200;

/**
 * CORS for the agent-facing routes, with the `cors` package's semantics: `*`, or exactly
 * the listed origins (reflected, with `Vary: Origin`; any other origin gets no
 * Access-Control-Allow-Origin). Never with credentials: the dashboard's session cookie
 * must not make a cross-origin call (a credentialed preflight fails without
 * Access-Control-Allow-Credentials, so such a call is never sent).
 *
 * Returns a function that sets the headers on the answer to come, and answers a preflight
 * (OPTIONS with Access-Control-Request-Method) itself with a 204: before any handler runs,
 * so a preflight is never charged, never forwarded to an origin, never a 402. A plain
 * OPTIONS is not a preflight and goes on to its route. Answered → true.
 */
export function corsFor(
  origins: "*" | string[],
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const middleware = cors({
    origin: origins,
    credentials: false,
    methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
    // We tell a preflight from a plain OPTIONS ourselves (the package answers any OPTIONS).
    preflightContinue: true,
  });
  return (req, res) => {
    let applied = false;
    // With static options the package calls `next` at once, and never with an error.
    middleware(req, res, () => {
      applied = true;
    });
    if (!applied) throw new Error("cors did not apply its headers synchronously");
    if (req.method !== "OPTIONS" || !req.headers["access-control-request-method"]) return false;
    res.statusCode = 204;
    res.setHeader("content-length", "0");
    res.end();
    return true;
  };
}
