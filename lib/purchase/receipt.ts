import type { SettleResponse } from "@x402/core/types";
import type { Payment } from "@/db/schema";
import { checksumWallet } from "@/lib/wallet";
import type { PaymentSettings } from "@/lib/x402/settings";

/**
 * The settlement receipt of a settled payment, in the wire version it was paid with. Built
 * from the stored payment, never copied from the facilitator's answer, so the first answer
 * and every replay of it carry the very same PAYMENT-RESPONSE / X-PAYMENT-RESPONSE: the
 * payer checksummed, the network as that version names it (v1: `base-sepolia`).
 */
export function receiptOf(
  payments: PaymentSettings,
  payment: Pick<Payment, "transaction" | "payer">,
  version: 1 | 2,
): SettleResponse {
  const network = version === 1 ? (payments.info.v1Name ?? payments.network) : payments.network;
  return {
    success: true,
    transaction: payment.transaction ?? "",
    network: network as SettleResponse["network"],
    payer: checksumWallet(payment.payer),
  };
}
