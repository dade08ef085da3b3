/**
 * What the browser needs from the server's configuration: the payment chain (a subset of
 * GET /api/config) and the wallets to offer. Read per request, so no build-time variables.
 */
export interface ChainInfo {
  network: string;
  chainId: number;
  asset: { address: `0x${string}`; name: string; version: string; decimals: number };
  devnet: boolean;
  rpcUrl?: string;
  publicUrl: string;
  explorer?: string;
  walletConnectProjectId?: string;
}
