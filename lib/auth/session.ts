import { randomBytes } from "node:crypto";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { sessions } from "@/db/schema/auth";
import type { AppContext } from "@/lib/app/context";
import { hmacBase64url, safeEqual, sha256Hex } from "./crypto";
import { nowPlus } from "./sql-time";
import { revokeWalletTokens } from "./wallet-tokens";

const SESSION_COOKIE = "x402c_session";
const MAX_AGE_SECONDS = 7 * 24 * 60 * 60;

/**
 * The session cookie's name: on https `__Host-` prefixed, which browsers accept only from
 * this exact host, over https, for Path=/ and without Domain, so neither a sibling
 * subdomain nor a network attacker on plain http can plant or overwrite it.
 */
function cookieName(ctx: AppContext): string {
  return isHttps(ctx) ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE;
}

/** Whether a cookie of this name is our session (either form): never for other hosts. */
export function isSessionCookie(name: string): boolean {
  return name === SESSION_COOKIE || name === `__Host-${SESSION_COOKIE}`;
}

function isHttps(ctx: AppContext): boolean {
  return ctx.config.publicUrl.startsWith("https:");
}

function setCookie(ctx: AppContext, value: string, maxAge: number): string {
  const secure = isHttps(ctx) ? "; Secure" : "";
  return `${cookieName(ctx)}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure}`;
}

/** The values of every cookie called `name` in a Cookie header, in order. */
export function cookieValues(header: string | null, name: string): string[] {
  if (!header) return [];
  const values: string[] = [];
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) values.push(part.slice(eq + 1).trim());
  }
  return values;
}

/** The session id of a cookie whose MAC verifies, else null: forged cookies never reach the DB. */
function verifiedSessionId(ctx: AppContext, request: Request): string | null {
  for (const value of cookieValues(request.headers.get("cookie"), cookieName(ctx))) {
    const [id, mac, extra] = value.split(".");
    if (!id || !mac || extra !== undefined) continue;
    if (safeEqual(mac, hmacBase64url(id, ctx.config.appSecret))) return id;
  }
  return null;
}

/**
 * Opens a 7-day session for `address` (lower-case). The cookie carries a random id and its
 * HMAC under APP_SECRET; the database keeps only the id's SHA-256, so a leaked table
 * yields no usable cookie.
 */
export async function createSession(
  ctx: AppContext,
  address: string,
): Promise<{ setCookie: string }> {
  const id = randomBytes(32).toString("base64url");
  await ctx.db.insert(sessions).values({
    idHash: sha256Hex(id),
    address: address.toLowerCase(),
    expiresAt: nowPlus(MAX_AGE_SECONDS * 1000),
  });
  const value = `${id}.${hmacBase64url(id, ctx.config.appSecret)}`;
  return { setCookie: setCookie(ctx, value, MAX_AGE_SECONDS) };
}

/** The signed-in wallet of a request, or null (no cookie, bad MAC, expired or revoked). */
export async function readSession(
  ctx: AppContext,
  request: Request,
): Promise<{ address: string } | null> {
  const id = verifiedSessionId(ctx, request);
  if (!id) return null;
  const [row] = await ctx.db
    .select({ address: sessions.address })
    .from(sessions)
    .where(
      and(
        eq(sessions.idHash, sha256Hex(id)),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, sql`now()`),
      ),
    )
    .limit(1);
  return row ?? null;
}

/**
 * Revokes the request's session, if any, with the bearer tokens of its wallet (signing out
 * means every proof of this wallet we handed out stops working), and returns a cookie that
 * clears it either way.
 */
export async function endSession(
  ctx: AppContext,
  request: Request,
): Promise<{ setCookie: string }> {
  const id = verifiedSessionId(ctx, request);
  if (id) {
    await ctx.db.transaction(async (tx) => {
      const ended = await tx
        .update(sessions)
        .set({ revokedAt: sql`now()` })
        .where(and(eq(sessions.idHash, sha256Hex(id)), isNull(sessions.revokedAt)))
        .returning({ address: sessions.address });
      for (const { address } of ended) await revokeWalletTokens(tx, address);
    });
  }
  return { setCookie: setCookie(ctx, "", 0) };
}
