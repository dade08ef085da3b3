import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  check,
  index,
  integer,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { endpoints } from "./endpoints";

export const ledgerKind = pgEnum("ledger_kind", [
  "purchase",
  "consume",
  "refund",
  "grant",
  "adjust",
]);

/**
 * The current credits of one wallet on one endpoint. A cache of the ledger that the
 * debit path can lock and check in one statement; `checkLedger` proves it equals the sum.
 * Wallets are stored lower-case so comparisons are plain equality.
 */
export const balances = pgTable(
  "balances",
  {
    endpointId: integer("endpoint_id")
      .notNull()
      .references(() => endpoints.id, { onDelete: "restrict" }),
    wallet: text("wallet").notNull(),
    credits: bigint("credits", { mode: "bigint" }).notNull(),
    // Running totals kept by the same statements that move credits (no extra writes), so
    // a provider's customer list never aggregates the ledger.
    purchased: bigint("purchased", { mode: "bigint" }).notNull().default(sql`0`),
    consumed: bigint("consumed", { mode: "bigint" }).notNull().default(sql`0`),
    calls: bigint("calls", { mode: "bigint" }).notNull().default(sql`0`),
    lastCallAt: timestamp("last_call_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.endpointId, t.wallet] }),
    index("balances_endpoint_recent_idx").on(t.endpointId, t.updatedAt),
    index("balances_wallet_idx").on(t.wallet),
    check("balances_non_negative", sql`${t.credits} >= 0`),
  ],
);

/**
 * Append-only: every credit that moves is one row. `idempotencyKey` makes a retried
 * operation a no-op.
 */
export const ledgerEntries = pgTable(
  "ledger_entries",
  {
    id: bigserial("id", { mode: "bigint" }).primaryKey(),
    endpointId: integer("endpoint_id")
      .notNull()
      .references(() => endpoints.id, { onDelete: "restrict" }),
    wallet: text("wallet").notNull(),
    kind: ledgerKind("kind").notNull(),
    delta: bigint("delta", { mode: "bigint" }).notNull(),
    balanceAfter: bigint("balance_after", { mode: "bigint" }).notNull(),
    reference: text("reference"),
    idempotencyKey: text("idempotency_key"),
    /**
     * A consume key's request (method, path, query, body digest): the same key with another
     * request is refused, never replayed (lib/gateway/fingerprint).
     */
    requestDigest: text("request_digest"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Purchase, refund and grant keys are unique for ever; a consume key holds for 24 h
    // (the gateway's Idempotency-Key window), enforced by ledger_debit under the row lock.
    uniqueIndex("ledger_entries_idempotency_uq")
      .on(t.endpointId, t.wallet, t.kind, t.idempotencyKey)
      .where(sql`${t.idempotencyKey} is not null and ${t.kind} <> 'consume'`),
    index("ledger_entries_consume_key_idx")
      .on(t.endpointId, t.wallet, t.idempotencyKey)
      .where(sql`${t.idempotencyKey} is not null and ${t.kind} = 'consume'`),
    index("ledger_entries_account_idx").on(t.endpointId, t.wallet, t.id),
    index("ledger_entries_endpoint_time_idx").on(t.endpointId, t.createdAt),
    check("ledger_entries_balance_after_non_negative", sql`${t.balanceAfter} >= 0`),
    check("ledger_entries_delta_nonzero", sql`${t.delta} <> 0`),
  ],
);

export type Balance = typeof balances.$inferSelect;
export type LedgerEntry = typeof ledgerEntries.$inferSelect;
export type LedgerKind = (typeof ledgerKind.enumValues)[number];
