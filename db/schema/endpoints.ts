import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

export const walletAuthMode = pgEnum("wallet_auth_mode", ["header", "signed"]);

/** A provider's API sold by credits. `slug` is its public, immutable name. */
export const endpoints = pgTable(
  "endpoints",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    slug: text("slug").notNull().unique(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    ownerAddress: text("owner_address").notNull(),
    originUrl: text("origin_url").notNull(),
    originKeyEnc: text("origin_key_enc"),
    payTo: text("pay_to").notNull(),
    creditsPerCall: bigint("credits_per_call", { mode: "bigint" }).notNull(),
    walletAuth: walletAuthMode("wallet_auth").notNull().default("header"),
    refundOnError: boolean("refund_on_error").notNull().default(true),
    /** Calls are charged what the origin reports (x-credits-used), creditsPerCall at most. */
    metered: boolean("metered").notNull().default(false),
    timeoutMs: integer("timeout_ms").notNull().default(30_000),
    /** The largest upload the gateway forwards to it; null: GATEWAY_MAX_BODY_BYTES's default. */
    maxBodyBytes: integer("max_body_bytes"),
    paused: boolean("paused").notNull().default(false),
    defaultPackId: text("default_pack_id"),
    apiSchema: jsonb("api_schema"),
    /** Deleted endpoints keep their ledger (it is append-only) and their slug stays taken. */
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("endpoints_owner_idx").on(t.ownerAddress),
    check("endpoints_credits_per_call_positive", sql`${t.creditsPerCall} > 0`),
    check("endpoints_timeout_positive", sql`${t.timeoutMs} > 0`),
    check("endpoints_max_body_bytes_non_negative", sql`${t.maxBodyBytes} >= 0`),
  ],
);

/** A pack of credits for one endpoint at a fixed USDC price (atomic units, 6 decimals). */
export const creditPacks = pgTable(
  "credit_packs",
  {
    endpointId: integer("endpoint_id")
      .notNull()
      .references(() => endpoints.id, { onDelete: "cascade" }),
    id: text("id").notNull(),
    name: text("name").notNull(),
    credits: bigint("credits", { mode: "bigint" }).notNull(),
    priceAtomic: bigint("price_atomic", { mode: "bigint" }).notNull(),
    position: integer("position").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.endpointId, t.id] }),
    check("credit_packs_credits_positive", sql`${t.credits} > 0`),
    check("credit_packs_min_price", sql`${t.priceAtomic} >= 10000`),
  ],
);

export type Endpoint = typeof endpoints.$inferSelect;
export type NewEndpoint = typeof endpoints.$inferInsert;
export type CreditPack = typeof creditPacks.$inferSelect;
export type NewCreditPack = typeof creditPacks.$inferInsert;
