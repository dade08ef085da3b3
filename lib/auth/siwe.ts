import type { Hex } from "viem";
import { parseSiweMessage, validateSiweMessage } from "viem/siwe";
import type { AppContext } from "@/lib/app/context";
import { ApiError } from "@/lib/http/errors";
import { consumeNonce, NONCE_TTL_MS } from "./nonces";

/** Clocks of phones and laptops drift; a message "issued" this far ahead is still accepted. */
const ISSUED_AT_SKEW_MS = 5 * 60_000;

export interface SignedMessage {
  message: string;
  signature: Hex;
}

function refuse(message: string): never {
  throw new ApiError("invalid_signature", message);
}

/**
 * Verifies an EIP-4361 (SIWE) sign-in for this server and returns the signer, lower-case.
 * The message must name this server's host and origin and its chain, be within its time
 * window, and carry an unused nonce of `purpose`; smart-wallet signatures (EIP-1271/6492)
 * are checked through the chain's RPC. The nonce is consumed last, so a forged message
 * cannot burn someone else's nonce.
 */
export async function verifySiwe(
  ctx: AppContext,
  { message, signature }: SignedMessage,
  purpose: "session" | "token",
): Promise<string> {
  const server = new URL(ctx.config.publicUrl);
  const parsed = parseSiweMessage(message);
  const { address, domain, uri, nonce, chainId, issuedAt } = parsed;
  if (!address || !domain || !uri || !nonce || chainId === undefined || !issuedAt) {
    refuse("The message is not an EIP-4361 sign-in message.");
  }
  if (domain !== server.host) {
    refuse(`The message is for domain "${domain}"; this server is "${server.host}".`);
  }
  if (parsed.scheme && `${parsed.scheme}:` !== server.protocol) {
    refuse(`The message's scheme "${parsed.scheme}" does not match ${server.origin}.`);
  }
  if (!URL.canParse(uri) || new URL(uri).origin !== server.origin) {
    refuse(`The message's URI must be on ${server.origin}.`);
  }
  if (chainId !== ctx.payments.chainId) {
    refuse(`The message is for chain ${chainId}; this server uses chain ${ctx.payments.chainId}.`);
  }
  const now = new Date();
  if (Number.isNaN(issuedAt.getTime())) refuse("The message's Issued At is not a valid time.");
  if (issuedAt.getTime() > now.getTime() + ISSUED_AT_SKEW_MS) {
    refuse("The message's Issued At is in the future.");
  }
  if (parsed.expirationTime && parsed.expirationTime.getTime() <= now.getTime()) {
    refuse("The message has expired.");
  }
  if (parsed.notBefore && parsed.notBefore.getTime() > now.getTime()) {
    refuse("The message is not valid yet (Not Before).");
  }
  // A message signed before its nonce could exist (or kept longer than one lives) is not
  // the answer to a challenge of ours: it was prepared ahead, or replayed from elsewhere.
  if (now.getTime() - issuedAt.getTime() > NONCE_TTL_MS) {
    refuse(
      `The message's Issued At is more than ${NONCE_TTL_MS / 60_000} minutes old; sign a new one.`,
    );
  }
  // viem's own checks catch the rest: version 1, nonce format, valid times and address.
  if (!validateSiweMessage({ message: parsed, domain: server.host, time: now })) {
    refuse("The message is not a valid EIP-4361 message.");
  }
  // "eoa" mode recovers the signer locally first; only other signatures reach the RPC.
  const valid = await ctx.chain.publicClient.verifyMessage({
    address,
    message,
    signature,
    mode: "eoa",
  });
  if (!valid) refuse("The signature does not match the message's address.");
  if (!(await consumeNonce(ctx.db, nonce, purpose))) {
    refuse(
      `The nonce is unknown, expired or already used; get a new one from GET /api/auth/nonce${
        purpose === "token" ? "?purpose=token" : ""
      }.`,
    );
  }
  return address.toLowerCase();
}
