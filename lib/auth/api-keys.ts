import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { apiKeys } from "@/db/schema/auth";
import { randomBase62, sha256Hex } from "./crypto";

export const API_KEY_PREFIX = "xc_sk_";
const API_KEY = /^xc_sk_[0-9A-Za-z]{32}$/;
/** Shown in lists so a provider can tell keys apart; 4 of ≈190 random bits. */
const SHOWN_CHARS = API_KEY_PREFIX.length + 4;
/** last_used_at is informational: writing it on every call would double the key's cost. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface ApiKeyInfo {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

const columns = {
  id: apiKeys.id,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  createdAt: apiKeys.createdAt,
  lastUsedAt: apiKeys.lastUsedAt,
};

/** Creates a key for `owner`. The secret is returned only here; only its SHA-256 is kept. */
export async function createApiKey(
  db: Db,
  owner: string,
  name: string,
): Promise<{ key: string; apiKey: ApiKeyInfo }> {
  const key = `${API_KEY_PREFIX}${randomBase62(32)}`;
  const [apiKey] = await db
    .insert(apiKeys)
    .values({
      ownerAddress: owner.toLowerCase(),
      name,
      prefix: key.slice(0, SHOWN_CHARS),
      keyHash: sha256Hex(key),
    })
    .returning(columns);
  if (!apiKey) throw new Error("api key insert returned nothing");
  return { key, apiKey };
}

/** The owner's live keys, newest first (never the secret). */
export function listApiKeys(db: Db, owner: string): Promise<ApiKeyInfo[]> {
  return db
    .select(columns)
    .from(apiKeys)
    .where(and(eq(apiKeys.ownerAddress, owner.toLowerCase()), isNull(apiKeys.revokedAt)))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
}

/** Revokes one of the owner's live keys; false when it is unknown, someone else's or revoked. */
export async function revokeApiKey(db: Db, owner: string, id: string): Promise<boolean> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: sql`now()` })
    .where(
      and(
        eq(apiKeys.id, id),
        eq(apiKeys.ownerAddress, owner.toLowerCase()),
        isNull(apiKeys.revokedAt),
      ),
    )
    .returning({ id: apiKeys.id });
  return rows.length === 1;
}

/** The owner of a live key, or null. Revocation takes effect on the next call (no cache). */
export async function authenticateApiKey(db: Db, key: string): Promise<{ owner: string } | null> {
  if (!API_KEY.test(key)) return null;
  const [row] = await db
    .select({ id: apiKeys.id, owner: apiKeys.ownerAddress, lastUsedAt: apiKeys.lastUsedAt })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, sha256Hex(key)), isNull(apiKeys.revokedAt)))
    .limit(1);
  if (!row) return null;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    await db.update(apiKeys).set({ lastUsedAt: sql`now()` }).where(eq(apiKeys.id, row.id));
  }
  return { owner: row.owner };
}
