import { isSessionCookie } from "@/lib/auth/session";
import { FORWARDING_CLAIMS } from "@/lib/http/client-ip";
import { DATA_CSP } from "@/lib/http/security-headers";
import { requestIdFrom } from "@/lib/log/request-id";

/** Hop-by-hop (RFC 9110 §7.6.1) and ours-only headers: never forwarded either way. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
  // Our server met the caller's `Expect: 100-continue` (Node answers it before the handler
  // runs); the origin gets the body at once. undici refuses a request that carries it.
  "expect",
]);

/** Headers the caller must not smuggle to the origin: we set or consume them. */
const REQUEST_ONLY_OURS = new Set([
  "x-api-key",
  "payment-signature",
  "x-payment",
  "sign-in-with-x",
  "x-wallet-address",
  "x-request-id",
]);

/**
 * Origin response headers that would act on the gateway's web origin, which is also the
 * dashboard's: cookies (a planted session cookie), site-wide policies (HSTS, Clear-Site-
 * Data, Alt-Svc pointing our host elsewhere, a wider service-worker scope), and the
 * origin's own CSP/nosniff, replaced by ours below.
 */
const RESPONSE_REFUSED = new Set([
  "set-cookie",
  "set-cookie2",
  "clear-site-data",
  "strict-transport-security",
  "alt-svc",
  "public-key-pins",
  "public-key-pins-report-only",
  "service-worker-allowed",
  "origin-agent-cluster",
  "content-security-policy",
  "content-security-policy-report-only",
  "x-content-type-options",
  // Ours, set on every answer by our server (lib/server/http-server): the caller's log and
  // ours must name the call alike.
  "x-request-id",
]);

function connectionListed(headers: Headers): Set<string> {
  const listed = headers.get("connection");
  return new Set(listed ? listed.split(",").map((h) => h.trim().toLowerCase()) : []);
}

export interface OriginIdentity {
  originKey: string | null;
  /** The wallet that pays for the call (checksummed): the origin always learns it. */
  wallet: string;
  /** The client address this server saw, when it knows it. */
  clientAddress: string | null;
}

/** The caller's end-to-end headers for the origin, plus what we vouch for. */
export function originRequestHeaders(
  incoming: Headers,
  identity: OriginIdentity,
): Record<string, string> {
  const listed = connectionListed(incoming);
  const out: Record<string, string> = {};
  for (const [name, value] of incoming) {
    if (HOP_BY_HOP.has(name) || REQUEST_ONLY_OURS.has(name) || listed.has(name)) continue;
    if (FORWARDING_CLAIMS.has(name)) continue;
    // Our credentials prove things to us; an origin must never be able to replay them:
    // the dashboard session cookie, wallet tokens and provider API keys.
    if (name === "cookie") {
      const kept = value
        .split(";")
        .filter((c) => !isSessionCookie(c.split("=")[0]?.trim() ?? ""))
        .join(";")
        .trim();
      if (kept) out[name] = kept;
      continue;
    }
    if (name === "authorization" && /^bearer\s+xc_(at|sk)_/i.test(value)) continue;
    out[name] = value;
  }
  if (identity.originKey) out["x-api-key"] = identity.originKey;
  out["x-wallet-address"] = identity.wallet;
  if (identity.clientAddress) out["x-forwarded-for"] = identity.clientAddress;
  // Our server already replaced a malformed one; re-checked for callers that bypass it.
  out["x-request-id"] = requestIdFrom(incoming.get("x-request-id"));
  return out;
}

/** The origin's end-to-end response headers for the caller, made harmless to our origin. */
export function callerResponseHeaders(
  origin: Record<string, string | string[] | undefined>,
): Headers {
  const listedRaw = origin.connection;
  const listed = new Set(
    (Array.isArray(listedRaw) ? listedRaw.join(",") : (listedRaw ?? ""))
      .split(",")
      .map((h) => h.trim().toLowerCase()),
  );
  const out = new Headers();
  for (const [name, value] of Object.entries(origin)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue;
    if (RESPONSE_REFUSED.has(name)) continue;
    // Who may read the answer cross-origin is the operator's CORS_ORIGINS, set on every
    // answer by our server (lib/server/cors); an origin's own grant would override it.
    if (name.startsWith("access-control-")) continue;
    if (Array.isArray(value)) for (const v of value) out.append(name, v);
    else out.set(name, value);
  }
  out.set("x-content-type-options", "nosniff");
  out.set("content-security-policy", DATA_CSP);
  return out;
}
