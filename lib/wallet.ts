import { getAddress } from "viem";
import { ApiError } from "./http/errors";

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/**
 * Validates a wallet address from outside and returns it lower-case, the form the
 * database stores and compares. Any letter case is accepted: an all-lower or all-upper
 * address carries no checksum, and a mixed-case one is compared, not checksum-verified,
 * because agents commonly lower-case addresses.
 */
export function parseWallet(input: string | null | undefined, field = "x-wallet-address"): string {
  if (input === null || input === undefined || input.trim() === "") {
    throw new ApiError("invalid_wallet", `The ${field} header is required.`);
  }
  const value = input.trim();
  if (!ADDRESS.test(value)) {
    throw new ApiError("invalid_wallet", `${field} must be 0x followed by 40 hexadecimal digits.`);
  }
  return value.toLowerCase();
}

/** The EIP-55 checksummed form for answers. */
export function checksumWallet(wallet: string): `0x${string}` {
  return getAddress(wallet);
}
