import { bigint, index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { endpoints } from "./endpoints";
import { ledgerEntries } from "./ledger";

/**
 * The audit trail of credits a provider granted or refunded by hand: who, how, why. One row
 * per ledger entry, written in the entry's transaction.
 */
export const creditCorrections = pgTable(
  "credit_corrections",
  {
    entryId: bigint("entry_id", { mode: "bigint" })
      .primaryKey()
      .references(() => ledgerEntries.id, { onDelete: "restrict" }),
    endpointId: integer("endpoint_id")
      .notNull()
      .references(() => endpoints.id, { onDelete: "restrict" }),
    wallet: text("wallet").notNull(),
    kind: text("kind", { enum: ["grant", "refund"] }).notNull(),
    credits: bigint("credits", { mode: "bigint" }).notNull(),
    reason: text("reason").notNull(),
    /** The provider's address, and whether it acted in a session or with an API key. */
    actor: text("actor").notNull(),
    via: text("via", { enum: ["session", "api_key"] }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("credit_corrections_endpoint_idx").on(t.endpointId, t.kind, t.entryId)],
);

export type CreditCorrection = typeof creditCorrections.$inferSelect;
