import { bigint, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Closed hours and days of each endpoint's ledger, aggregated once by the rollup job, so
 * usage charts never scan the ledger beyond its live tail. Distinct wallets are counted
 * per bucket when the bucket closes (they cannot be summed from smaller buckets).
 */
export const usageRollups = pgTable(
  "usage_rollups",
  {
    endpointId: integer("endpoint_id").notNull(),
    bucket: text("bucket").notNull(),
    t: timestamp("t", { withTimezone: true }).notNull(),
    calls: bigint("calls", { mode: "bigint" }).notNull(),
    credits: bigint("credits", { mode: "bigint" }).notNull(),
    wallets: bigint("wallets", { mode: "bigint" }).notNull(),
    refunds: bigint("refunds", { mode: "bigint" }).notNull(),
    purchases: bigint("purchases", { mode: "bigint" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.endpointId, t.bucket, t.t] })],
);

/** How far each bucket size has been rolled up: everything before `rolledUntil`. */
export const usageRollupState = pgTable("usage_rollup_state", {
  bucket: text("bucket").primaryKey(),
  rolledUntil: timestamp("rolled_until", { withTimezone: true }).notNull(),
});
