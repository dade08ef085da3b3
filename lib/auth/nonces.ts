import { randomBytes } from "node:crypto";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { authNonces } from "@/db/schema/auth";
import { hmacBase64url, randomBase62, safeEqual } from "./crypto";
import { nowPlus } from "./sql-time";

export type NoncePurpose = "session" | "token" | "siwx";

/** How long a stored sign-in nonce lives; a message issued longer ago is refused too. */
export const NONCE_TTL_MS = 10 * 60_000;

/**
 * Stores and returns a fresh single-use nonce: 22 base62 characters (≈131 bits),
 * alphanumeric as EIP-4361 requires. Expiry is computed by the database clock, the
 * same clock `consumeNonce` compares against.
 */
export async function issueNonce(
  db: Db,
  purpose: NoncePurpose,
  ttlMs = NONCE_TTL_MS,
): Promise<string> {
  const nonce = randomBase62(22);
  await db.insert(authNonces).values({
    nonce,
    purpose,
    expiresAt: nowPlus(ttlMs),
  });
  return nonce;
}

/** Marks a stored nonce used; true only for the one caller that used it while it was valid. */
export async function consumeNonce(db: Db, nonce: string, purpose: NoncePurpose): Promise<boolean> {
  const rows = await db
    .update(authNonces)
    .set({ usedAt: sql`now()` })
    .where(
      and(
        eq(authNonces.nonce, nonce),
        eq(authNonces.purpose, purpose),
        isNull(authNonces.usedAt),
        gt(authNonces.expiresAt, sql`now()`),
      ),
    )
    .returning({ nonce: authNonces.nonce });
  return rows.length === 1;
}

// Signed nonces: 24 hex random + 8 hex expiry (unix seconds) + 24 hex MAC = 56 characters.
const SIGNED = /^([0-9a-f]{24})([0-9a-f]{8})([0-9a-f]{24})$/;

function signedMac(secret: string, purpose: NoncePurpose, body: string): string {
  return Buffer.from(hmacBase64url(`nonce:${purpose}:${body}`, secret), "base64url")
    .subarray(0, 12)
    .toString("hex");
}

/**
 * A nonce that needs no database row until it is used: challenges go into every 401/402
 * answer, and writing a row per unauthenticated request would put a write on the hot path
 * and let anyone grow the table. Hex, so alphanumeric for SIWE.
 */
export function issueSignedNonce(secret: string, purpose: NoncePurpose, ttlMs: number): string {
  const random = randomBytes(12).toString("hex");
  const expiry = Math.ceil((Date.now() + ttlMs) / 1000)
    .toString(16)
    .padStart(8, "0");
  return `${random}${expiry}${signedMac(secret, purpose, random + expiry)}`;
}

/**
 * Accepts a signed nonce once: the MAC and expiry are checked in memory, then recording it
 * as used is an insert that only one concurrent caller can win.
 */
export async function consumeSignedNonce(
  db: Db,
  secret: string,
  nonce: string,
  purpose: NoncePurpose,
): Promise<boolean> {
  const match = SIGNED.exec(nonce);
  if (!match) return false;
  const [, random = "", expiry = "", mac = ""] = match;
  if (!safeEqual(mac, signedMac(secret, purpose, random + expiry))) return false;
  const expiresAt = new Date(Number.parseInt(expiry, 16) * 1000);
  if (expiresAt.getTime() <= Date.now()) return false;
  const rows = await db
    .insert(authNonces)
    .values({ nonce, purpose, expiresAt, usedAt: sql`now()` })
    .onConflictDoNothing({ target: authNonces.nonce })
    .returning({ nonce: authNonces.nonce });
  return rows.length === 1;
}
