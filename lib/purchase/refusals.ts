/**
 * What a buyer is told when a payment is refused: a code and a fixed sentence per code.
 * A facilitator's or RPC's own text never reaches a client (it can carry an RPC URL with
 * its API key); the operator finds it in the log.
 */
const MESSAGES: Record<string, string> = {
  invalid_payer_is_payee: "The payer is the payee: a payment to yourself buys nothing.",
  pack_terms_changed:
    "The pack's terms changed since this payment was signed; nothing was charged. Pay the new offer.",
  invalid_exact_evm_nonce_already_used:
    "This authorization was already used for another purchase; nothing more was charged.",
  invalid_exact_evm_insufficient_balance: "The payer's USDC balance is too low for this pack.",
  insufficient_funds: "The payer's USDC balance is too low for this pack.",
  invalid_exact_evm_signature: "The payment's signature is not valid for its authorization.",
  invalid_exact_evm_payload_signature:
    "The payment's signature is not valid for its authorization.",
  invalid_exact_evm_payload_authorization_valid_before: "The payment's authorization has expired.",
  invalid_exact_evm_payload_authorization_valid_after:
    "The payment's authorization is not valid yet.",
  invalid_exact_evm_transaction_simulation_failed:
    "The token refused the transfer in a dry run; nothing was charged.",
  authorization_expired: "The payment's authorization expired before it could be settled.",
  authorization_used_elsewhere:
    "The payment's authorization was used by another transaction, not for this purchase.",
};

const CODE = /^[a-z0-9_]{1,80}$/;

export interface Refusal {
  reason: string;
  message: string;
}

/** The client-safe form of a refusal reason from anywhere (ours, a facilitator's, stored). */
export function refusal(reason: string | null | undefined, message?: string): Refusal {
  const code = reason && CODE.test(reason) ? reason : "payment_invalid";
  return {
    reason: code,
    message: message ?? MESSAGES[code] ?? `The payment was refused (${code}).`,
  };
}
