import type { Payment } from "@/db/schema";
import type { AppContext } from "@/lib/app/context";
import { log } from "@/lib/log/logger";
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
  const who = { paymentId: payment.id, payer: payment.payer, nonce: payment.nonce };
  switch (attempt.kind) {
    case "settled":
      return credited(ctx, payment, attempt.transaction);
    case "unknown": {
      log().warn(
        { ...who, transaction: attempt.transaction, detail: attempt.detail },
        "settlement outcome unknown, kept pending",
      );
      if (attempt.transaction) {
        await rememberTransaction(ctx.db, payment.id, attempt.transaction).catch((err) =>
          log().error(
            { err, ...who, transaction: attempt.transaction },
            "settlement: could not keep the transaction hash",
          ),
        );
      }
      // The answer may still come: record it then instead of waiting for the reconciler.
      attempt.late
        ?.then((late) => (late.kind === "unknown" ? undefined : recordAttempt(ctx, payment, late)))
        .catch((err) => log().error({ err, ...who }, "settlement: late answer not recorded"));
      return { kind: "pending", payment: { ...payment, transaction: attempt.transaction ?? null } };
    }
    case "unavailable":
      log().warn(
        { ...who, detail: attempt.detail },
        "settlement: facilitator unavailable, nothing sent",
      );
      await markFailed(ctx.db, payment.id, "facilitator_unavailable");
      return { kind: "unavailable" };
    case "refused": {
      log().warn({ ...who, reason: attempt.reason, detail: attempt.detail }, "settlement refused");
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
    log().error(
      { err, paymentId: payment.id, payer: payment.payer, transaction },
      "settled on chain but not yet credited",
    );
    await rememberTransaction(ctx.db, payment.id, transaction).catch(() => undefined);
    return { kind: "pending", payment: { ...payment, transaction } };
  }
}
