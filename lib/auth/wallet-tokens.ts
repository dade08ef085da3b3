import { and, eq, gt, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { walletTokens } from "@/db/schema/auth";
import { randomBase62, sha256Hex } from "./crypto";
import { nowPlus } from "./sql-time";

export const WALLET_TOKEN_PREFIX = "xc_at_";
const WALLET_TOKEN = /^xc_at_[0-9A-Za-z]{32}$/;
/** Short: a bearer token is replayable by whoever sees it until it expires. */
export const WALLET_TOKEN_TTL_MS = 15 * 60_000;

/** Issues a bearer token proving control of `address` (lower-case); only its hash is kept. */
export async function issueWalletToken(
  db: Db,
  address: string,
): Promise<{ token: string; expiresAt: Date }> {
  const token = `${WALLET_TOKEN_PREFIX}${randomBase62(32)}`;
  const [row] = await db
    .insert(walletTokens)
    .values({
      tokenHash: sha256Hex(token),
      address: address.toLowerCase(),
      expiresAt: nowPlus(WALLET_TOKEN_TTL_MS),
    })
    .returning({ expiresAt: walletTokens.expiresAt });
  if (!row) throw new Error("wallet token insert returned nothing");
  return { token, expiresAt: row.expiresAt };
}

/** The wallet a live token is bound to, or null. */
export async function walletOfToken(db: Db, token: string): Promise<string | null> {
  if (!WALLET_TOKEN.test(token)) return null;
  const [row] = await db
    .select({ address: walletTokens.address })
    .from(walletTokens)
    .where(
      and(eq(walletTokens.tokenHash, sha256Hex(token)), gt(walletTokens.expiresAt, sql`now()`)),
    )
    .limit(1);
  return row?.address ?? null;
}

/** Ends every token of `address` (lower-case) at once: the wallet signed out. */
export async function revokeWalletTokens(db: Db, address: string): Promise<void> {
  await db.delete(walletTokens).where(eq(walletTokens.address, address.toLowerCase()));
}
