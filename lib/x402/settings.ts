import type { NetworkInfo } from "./networks";

/** Where and in what a pack is paid: fixed for the process once the chain is known. */
export interface PaymentSettings {
  network: string;
  chainId: number;
  info: NetworkInfo;
  asset: { address: `0x${string}`; name: string; version: string; decimals: number };
  /** How long a signed authorization may take to settle. */
  maxTimeoutSeconds: number;
}
