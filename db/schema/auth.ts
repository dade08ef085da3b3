import { index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/** Single-use sign-in nonces (SIWE for the dashboard and agent tokens, SIWX headers). */
export const authNonces = pgTable("auth_nonces", {
  nonce: text("nonce").primaryKey(),
  purpose: text("purpose").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  usedAt: timestamp("used_at", { withTimezone: true }),
});

/** Dashboard sessions. Only a hash of the cookie's secret is stored. */
export const sessions = pgTable(
  "sessions",
  {
    idHash: text("id_hash").primaryKey(),
    address: text("address").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("sessions_address_idx").on(t.address)],
);

/** Provider API keys for server-to-server calls: shown once, stored hashed, revocable. */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    ownerAddress: text("owner_address").notNull(),
    name: text("name").notNull(),
    /** The key's first characters, to recognise it in a list. */
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull().unique(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("api_keys_owner_idx").on(t.ownerAddress)],
);

/** Short-lived bearer tokens proving an agent controls a wallet (signed wallet mode). */
export const walletTokens = pgTable(
  "wallet_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    address: text("address").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  // Signing out revokes a wallet's tokens.
  (t) => [index("wallet_tokens_address_idx").on(t.address)],
);
