import { getAddress } from "viem";
import type { Config } from "@/lib/config";
import { ConfigError } from "@/lib/config";
import { networkInfo } from "./networks";
import type { PaymentSettings } from "./settings";

/**
 * The payment terms of this process: the configured token, else (devnet) the token the
 * devnet deployed, else the network's USDC. Name and version must match the token's EIP-712
 * domain exactly, or every signature fails verification.
 */
export function resolvePaymentSettings(
  config: Config,
  devnetToken?: `0x${string}`,
): PaymentSettings {
  const info = networkInfo(config.network);
  const address = config.asset?.address ?? devnetToken ?? info.usdc?.address;
  if (!address) {
    throw new ConfigError(`ASSET_ADDRESS: required on ${config.network}, which has no known USDC`);
  }
  const known = info.usdc?.address.toLowerCase() === address.toLowerCase() ? info.usdc : undefined;
  return {
    network: config.network,
    chainId: info.chainId,
    info,
    asset: {
      address: getAddress(address),
      name: config.asset?.name ?? known?.name ?? "USDC",
      version: config.asset?.version ?? known?.version ?? "2",
      decimals: 6,
    },
    maxTimeoutSeconds: 60,
  };
}
