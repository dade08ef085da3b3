import type { Payment } from "@/db/schema";
import type { AppContext } from "@/lib/app/context";
import { chainVerdict } from "./chain-record";
import { refusal } from "./refusals";
import type { SettlementAttempt } from "./settlement";
import { markFailed, rememberTransaction, settleAndCredit } from "./store";

/** Where a payment stands after one settlement attempt was recorded. */
export type Recorded =
  | { kind: "settled"; payment: Payment; balance: bigint }
  | { kind: "pending"; payment: Payment }
  | { kind: "refused"; reason: string; message: string }
  | { kind: "unavailable" };

/**
 * Writes down what a settlement attempt proved, and never loses a transfer: settled →
 * settled + credited in one transaction (if the database fails there, the payment stays
 * pending and the reconciler credits it); unknown → pending with any transaction hash; a
 * refusal is checked against the chain first (our own earlier broadcast may have used the
 * authorization) and only then marked failed; unavailable → failed, nothing moved, retryable.
 */
export async function recordAttempt(
  ctx: AppContext,
  payment: Payment,
  attempt: SettlementAttempt & { late?: Promise<SettlementAttempt> },
): Promise<Recorded> {
  const who = `payment ${payment.id} (payer ${payment.payer} nonce ${payment.nonce})`;
  switch (attempt.kind) {
    case "settled":
      return credited(ctx, payment, attempt.transaction);
    case "unknown": {
      console.warn(`${who}: settlement outcome unknown, kept pending (${attempt.detail})`);
      if (attempt.transaction) {
        await rememberTransaction(ctx.db, payment.id, attempt.transaction).catch((err) =>
          console.error(`payment ${payment.id}: could not keep ${attempt.transaction}:`, err),
        );
      }
      // The answer may still come: record it then instead of waiting for the reconciler.
      attempt.late
        ?.then((late) => (late.kind === "unknown" ? undefined : recordAttempt(ctx, payment, late)))
        .catch((err) => console.error(`payment ${payment.id}: late settlement answer:`, err));
      return { kind: "pending", payment: { ...payment, transaction: attempt.transaction ?? null } };
    }
    case "unavailable":
      console.warn(`${who}: facilitator unavailable, nothing sent (${attempt.detail})`);
      await markFailed(ctx.db, payment.id, "facilitator_unavailable");
      return { kind: "unavailable" };
    case "refused": {
      console.warn(`${who}: settlement refused: ${attempt.reason} (${attempt.detail})`);
      const verdict = await chainVerdict(ctx, payment).catch(() => undefined);
      if (verdict?.kind === "paid") {
        return credited(ctx, payment, verdict.transaction);
      }
      await markFailed(ctx.db, payment.id, refusal(attempt.reason).reason);
      return { kind: "refused", ...refusal(attempt.reason) };
    }
  }
}

async function credited(ctx: AppContext, payment: Payment, transaction: string): Promise<Recorded> {
  try {
    const balance = await settleAndCredit(ctx.db, payment, transaction);
    return { kind: "settled", payment: { ...payment, status: "settled", transaction }, balance };
  } catch (err) {
    // The USDC moved; only our books failed. Keep the hash if we can; the reconciler
    // finds the transfer on chain either way.
    console.error(`payment ${payment.id}: settled in ${transaction} but not yet credited:`, err);
    await rememberTransaction(ctx.db, payment.id, transaction).catch(() => undefined);
    return { kind: "pending", payment: { ...payment, transaction } };
  }
}
