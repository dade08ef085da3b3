/** What the browser needs to know about the payment chain (a subset of GET /api/config). */
export interface ChainInfo {
  network: string;
  chainId: number;
  asset: { address: `0x${string}`; name: string; version: string; decimals: number };
  devnet: boolean;
  rpcUrl?: string;
  publicUrl: string;
  explorer?: string;
}
