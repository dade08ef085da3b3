import { lt, or, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { authNonces, sessions, walletTokens } from "@/db/schema/auth";

/**
 * Deletes rows that can no longer authenticate anything: expired nonces (a used signed
 * nonce past its expiry is refused by its MAC check anyway), ended sessions and expired
 * wallet tokens. Safe to run at any time, from any process, on a schedule.
 */
export async function pruneExpiredAuth(db: Db): Promise<void> {
  await db.delete(authNonces).where(lt(authNonces.expiresAt, sql`now()`));
  await db
    .delete(sessions)
    .where(or(lt(sessions.expiresAt, sql`now()`), lt(sessions.revokedAt, sql`now()`)));
  await db.delete(walletTokens).where(lt(walletTokens.expiresAt, sql`now()`));
}
