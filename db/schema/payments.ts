import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { endpoints } from "./endpoints";

export const paymentStatus = pgEnum("payment_status", ["pending", "settled", "failed"]);

/**
 * One x402 payment for a credit pack. Recorded as `pending` before settlement so that an
 * unknown outcome (timeout, crash) can be reconciled from the chain; the unique key on the
 * EIP-3009 authorization makes a replayed or concurrent submission land on the same row.
 */
export const payments = pgTable(
  "payments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    endpointId: integer("endpoint_id")
      .notNull()
      .references(() => endpoints.id, { onDelete: "restrict" }),
    packId: text("pack_id").notNull(),
    credits: bigint("credits", { mode: "bigint" }).notNull(),
    network: text("network").notNull(),
    asset: text("asset").notNull(),
    payer: text("payer").notNull(),
    payTo: text("pay_to").notNull(),
    amount: bigint("amount", { mode: "bigint" }).notNull(),
    nonce: text("nonce").notNull(),
    status: paymentStatus("status").notNull().default("pending"),
    transaction: text("transaction"),
    failureReason: text("failure_reason"),
    paymentIdentifier: text("payment_identifier"),
    /**
     * A failed payment stays open (null) while its authorization could still be used on
     * chain; the reconciler keeps checking it, so USDC that moves after we gave up is still
     * credited. Set once the chain shows it unused after it expired.
     */
    closedAt: timestamp("closed_at", { withTimezone: true }),
    payload: jsonb("payload").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("payments_authorization_uq").on(t.network, t.asset, t.payer, t.nonce),
    // The x402 payment-identifier is the payer's idempotency key at one endpoint: bound to
    // its first payment, so two processes racing the same id cannot both settle.
    uniqueIndex("payments_identifier_uq")
      .on(t.endpointId, t.payer, t.paymentIdentifier)
      .where(sql`${t.paymentIdentifier} is not null`),
    index("payments_pending_idx").on(t.createdAt).where(sql`${t.status} = 'pending'`),
    index("payments_payer_idx").on(t.payer, t.createdAt),
    index("payments_open_failed_idx")
      .on(t.updatedAt)
      .where(sql`${t.status} = 'failed' and ${t.closedAt} is null`),
    check("payments_amount_positive", sql`${t.amount} > 0`),
  ],
);

export type Payment = typeof payments.$inferSelect;
export type NewPayment = typeof payments.$inferInsert;
