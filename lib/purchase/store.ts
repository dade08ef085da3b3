import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { type Payment, payments } from "@/db/schema";
import { credit } from "@/lib/ledger";

export type NewPending = Omit<
  typeof payments.$inferInsert,
  "id" | "status" | "createdAt" | "updatedAt"
>;

/**
 * Records a payment as pending BEFORE it is settled, so a crash or timeout after the
 * transfer leaves a row the reconciler can finish. One row per EIP-3009 authorization:
 * a concurrent or replayed submission finds the existing row instead (`created: false`).
 * One row per payer's payment-identifier at an endpoint too: another authorization under
 * an id already taken records nothing (`identifierTaken`), whichever process got there first.
 */
export async function recordPending(
  db: Db,
  row: NewPending,
): Promise<
  { kind: "created" | "existing"; payment: Payment } | { kind: "identifier_taken"; holder: Payment }
> {
  const [inserted] = await db.insert(payments).values(row).onConflictDoNothing().returning();
  if (inserted) return { kind: "created", payment: inserted };
  const existing = await findByAuthorization(db, row);
  if (existing) return { kind: "existing", payment: existing };
  const id = row.paymentIdentifier;
  const holder = id ? await findByPaymentIdentifier(db, { ...row, paymentIdentifier: id }) : null;
  if (!holder) throw new Error("payment vanished between insert and read");
  return { kind: "identifier_taken", holder };
}

export async function findByAuthorization(
  db: Db,
  key: Pick<Payment, "network" | "asset" | "payer" | "nonce">,
): Promise<Payment | undefined> {
  const [row] = await db
    .select()
    .from(payments)
    .where(
      and(
        eq(payments.network, key.network),
        eq(payments.asset, key.asset),
        eq(payments.payer, key.payer),
        eq(payments.nonce, key.nonce),
      ),
    )
    .limit(1);
  return row;
}

/** The payment a payer bound to `paymentIdentifier` at this endpoint, if any. */
export async function findByPaymentIdentifier(
  db: Db,
  key: { endpointId: number; payer: string; paymentIdentifier: string },
): Promise<Payment | undefined> {
  const [row] = await db
    .select()
    .from(payments)
    .where(
      and(
        eq(payments.endpointId, key.endpointId),
        eq(payments.payer, key.payer),
        eq(payments.paymentIdentifier, key.paymentIdentifier),
      ),
    )
    .limit(1);
  return row;
}

export async function findPayment(db: Db, id: string): Promise<Payment | undefined> {
  const [row] = await db.select().from(payments).where(eq(payments.id, id)).limit(1);
  return row;
}

/**
 * Marks the payment settled and credits the payer, in ONE transaction: either both happen
 * or neither. Idempotent: the ledger key is the payment id, so a second call (the
 * reconciler racing a slow request) credits nothing more. Returns the payer's balance
 * right after this purchase's credit.
 */
export async function settleAndCredit(
  db: Db,
  payment: Payment,
  transaction: string,
): Promise<bigint> {
  return db.transaction(async (tx) => {
    await tx
      .update(payments)
      .set({
        status: "settled",
        transaction,
        failureReason: null,
        closedAt: null,
        updatedAt: sql`now()`,
      })
      .where(eq(payments.id, payment.id));
    const entry = await credit(tx, {
      endpointId: payment.endpointId,
      wallet: payment.payer,
      credits: payment.credits,
      kind: "purchase",
      reference: `payment:${payment.id} tx:${transaction}`,
      idempotencyKey: `payment:${payment.id}`,
    });
    return entry.balance;
  });
}

/**
 * A failure, from the status the caller saw (`from`): never downgrades a settled payment
 * nor one another request has since taken back. `final` closes it: the chain shows its
 * authorization can no longer move USDC; until then the reconciler keeps checking.
 */
export async function markFailed(
  db: Db,
  id: string,
  reason: string,
  opts: { from?: "pending" | "failed"; final?: boolean } = {},
): Promise<void> {
  await db
    .update(payments)
    .set({
      status: "failed",
      failureReason: reason,
      closedAt: opts.final ? sql`now()` : null,
      updatedAt: sql`now()`,
    })
    .where(and(eq(payments.id, id), eq(payments.status, opts.from ?? "pending")));
}

/** Keeps the transaction hash of a settlement whose outcome is not known yet. */
export async function rememberTransaction(db: Db, id: string, transaction: string): Promise<void> {
  await db
    .update(payments)
    .set({ transaction, updatedAt: sql`now()` })
    .where(and(eq(payments.id, id), eq(payments.status, "pending")));
}

/**
 * Puts a failed payment back to pending for another attempt with the payload presented
 * now; false if someone else did.
 */
export async function retryFailed(db: Db, id: string, payload: unknown): Promise<boolean> {
  const rows = await db
    .update(payments)
    .set({ status: "pending", failureReason: null, payload, updatedAt: sql`now()` })
    .where(and(eq(payments.id, id), eq(payments.status, "failed")))
    .returning({ id: payments.id });
  return rows.length > 0;
}

/** The balance right after a settled payment's credit (for replaying its answer). */
export async function balanceAfterPurchase(db: Db, payment: Payment): Promise<bigint> {
  const entry = await credit(db, {
    endpointId: payment.endpointId,
    wallet: payment.payer,
    credits: payment.credits,
    kind: "purchase",
    idempotencyKey: `payment:${payment.id}`,
  });
  return entry.balance;
}
