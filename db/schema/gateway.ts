import { bigint, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { ledgerEntries } from "./ledger";

/**
 * The answer a keyed gateway call got, so a retry with the same Idempotency-Key replays it
 * instead of calling the origin again. Bodies over the replay limit are not kept (null).
 */
export const gatewayResponses = pgTable("gateway_responses", {
  entryId: bigint("entry_id", { mode: "bigint" })
    .primaryKey()
    .references(() => ledgerEntries.id, { onDelete: "restrict" }),
  status: integer("status").notNull(),
  headers: jsonb("headers").$type<Record<string, string>>().notNull(),
  bodyBase64: text("body_base64"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export type GatewayResponse = typeof gatewayResponses.$inferSelect;
