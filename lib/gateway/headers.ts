import { isSessionCookie } from "@/lib/auth/session";

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
]);

/** Headers the caller must not smuggle to the origin: we set or consume them. */
const REQUEST_ONLY_OURS = new Set([
  "x-api-key",
  "payment-signature",
  "x-payment",
  "sign-in-with-x",
]);

function connectionListed(headers: Headers): Set<string> {
  const listed = headers.get("connection");
  return new Set(listed ? listed.split(",").map((h) => h.trim().toLowerCase()) : []);
}

/** The caller's end-to-end headers for the origin, with the origin key added. */
export function originRequestHeaders(
  incoming: Headers,
  originKey: string | null,
): Record<string, string> {
  const listed = connectionListed(incoming);
  const out: Record<string, string> = {};
  for (const [name, value] of incoming) {
    if (HOP_BY_HOP.has(name) || REQUEST_ONLY_OURS.has(name) || listed.has(name)) continue;
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
  if (originKey) out["x-api-key"] = originKey;
  return out;
}

/** The origin's end-to-end response headers for the caller. */
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
    if (Array.isArray(value)) for (const v of value) out.append(name, v);
    else out.set(name, value);
  }
  return out;
}
