import type { PaymentPayload, PaymentRequirements, SettleResponse } from "@x402/core/types";
import type { Hash } from "viem";
import { observeRpc, type RpcObservation } from "@/lib/chain/rpc-observer";
import { isConnectionFailure } from "@/lib/ledger";
import { timedSettlement } from "@/lib/metrics/metrics";
import type { Facilitator } from "@/lib/x402/facilitator";

/** What one settlement attempt proves about the buyer's USDC. */
export type SettlementAttempt =
  | { kind: "settled"; transaction: Hash; receipt: SettleResponse }
  /** Refused before anything was broadcast, for a reason about the payment itself. */
  | { kind: "refused"; reason: string; detail: string }
  /** Nothing was broadcast, because the chain or the facilitator could not be reached. */
  | { kind: "unavailable"; detail: string }
  /** A transaction may have gone out: only the chain can tell (the reconciler asks it). */
  | { kind: "unknown"; transaction?: Hash; detail: string };

const TX_HASH = /^0x[0-9a-fA-F]{64}$/;

// Reasons a facilitator gives only while verifying, before it broadcasts anything. A remote
// facilitator's other failures (settlement_pending, transaction_failed, unknown reasons)
// may follow a broadcast and are treated as unknown.
const VERIFICATION_REASONS = new Set([
  "insufficient_funds",
  "invalid_exact_evm_insufficient_balance",
  "invalid_exact_evm_nonce_already_used",
  "invalid_exact_evm_eip3009_not_supported",
  "invalid_exact_evm_transaction_simulation_failed",
  "invalid_exact_evm_token_name_mismatch",
  "invalid_exact_evm_token_version_mismatch",
  "invalid_exact_evm_failed_to_parse_signature",
  "invalid_exact_evm_authorization_value",
  "invalid_exact_evm_payload_authorization_value",
  "invalid_exact_evm_payload_authorization_value_mismatch",
  "invalid_exact_evm_scheme",
  "invalid_exact_evm_signature",
  "invalid_exact_evm_payload_signature",
  "invalid_exact_evm_missing_eip712_domain",
  "invalid_exact_evm_network_mismatch",
  "invalid_exact_evm_recipient_mismatch",
  "invalid_exact_evm_payload_recipient_mismatch",
  "invalid_exact_evm_payload_authorization_valid_after",
  "invalid_exact_evm_payload_authorization_valid_before",
  "asset_not_deployed_contract",
  "eip6492_factory_not_allowed",
  "invalid_network",
  "invalid_payload",
  "invalid_payment_requirements",
  "invalid_scheme",
  "unsupported_scheme",
  "invalid_x402_version",
]);

/**
 * Settles through the facilitator and classifies the outcome. Only a refusal that is
 * certain to have happened before broadcast is `refused`; a lost, late or garbled answer
 * after a broadcast is `unknown` with every transaction hash we know. No answer within
 * `timeoutMs` is `unknown` now, with `late` resolving to the real classification.
 */
export function attemptSettlement(
  facilitator: Facilitator,
  payload: PaymentPayload,
  requirements: PaymentRequirements,
  timeoutMs: number,
): Promise<SettlementAttempt & { late?: Promise<SettlementAttempt> }> {
  const started = performance.now();
  const late = observeRpc(() => facilitator.settle(payload, requirements)).then(
    ({ outcome, seen }) =>
      timedSettlement(started, classify(facilitator.observable, outcome, seen)),
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<SettlementAttempt & { late: Promise<SettlementAttempt> }>(
    (resolve) => {
      timer = setTimeout(
        () =>
          resolve({ kind: "unknown", detail: `no settlement answer within ${timeoutMs} ms`, late }),
        timeoutMs,
      );
    },
  );
  return Promise.race([late, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs a facilitator verify; `unavailable` when it failed, or refused only because the
 * chain could not be asked (a local facilitator reads an outage as a bad signature).
 */
export async function verifyPayment(
  facilitator: Facilitator,
  payload: PaymentPayload,
  requirements: PaymentRequirements,
): Promise<
  | { kind: "valid" }
  | { kind: "refused"; reason: string; detail: string }
  | { kind: "unavailable"; detail: string }
> {
  const { outcome, seen } = await observeRpc(() => facilitator.verify(payload, requirements));
  if (outcome.status === "rejected")
    return { kind: "unavailable", detail: errorText(outcome.reason) };
  if (outcome.value.isValid) return { kind: "valid" };
  if (seen.failures.length > 0) return { kind: "unavailable", detail: failures(seen) };
  return {
    kind: "refused",
    reason: outcome.value.invalidReason ?? "payment_invalid",
    detail: outcome.value.invalidMessage ?? "",
  };
}

function classify(
  observable: boolean,
  outcome: PromiseSettledResult<SettleResponse>,
  seen: RpcObservation,
): SettlementAttempt {
  const result = outcome.status === "fulfilled" ? outcome.value : undefined;
  const reported =
    result?.transaction && TX_HASH.test(result.transaction) ? result.transaction : undefined;
  if (result?.success && reported) {
    return { kind: "settled", transaction: reported as Hash, receipt: result };
  }
  const detail =
    outcome.status === "rejected"
      ? errorText(outcome.reason)
      : `${result?.errorReason ?? "settlement_failed"}: ${result?.errorMessage ?? ""}`;
  const transaction = (reported ?? seen.broadcast.at(-1)) as Hash | undefined;

  if (observable) {
    if (seen.broadcast.length > 0 || seen.broadcastUnhashed) {
      return { kind: "unknown", transaction, detail };
    }
    // Nothing went out: whatever happened, no USDC moved.
    if (seen.failures.length > 0 || outcome.status === "rejected") {
      return { kind: "unavailable", detail: `${detail} ${failures(seen)}` };
    }
    return { kind: "refused", reason: result?.errorReason ?? "settlement_failed", detail };
  }
  if (outcome.status === "rejected") {
    return isConnectionFailure(outcome.reason)
      ? { kind: "unavailable", detail }
      : { kind: "unknown", detail };
  }
  const reason = result?.errorReason ?? "";
  if (!reported && VERIFICATION_REASONS.has(reason)) return { kind: "refused", reason, detail };
  return { kind: "unknown", transaction, detail };
}

function failures(seen: RpcObservation): string {
  return seen.failures.map((f) => `${f.method}: ${f.detail.split("\n")[0]}`).join("; ");
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
