/** What the product knows of each network it can take payments on. */
export interface NetworkInfo {
  network: string;
  chainId: number;
  label: string;
  /** The x402 v1 name; v1 clients only know named networks. */
  v1Name?: string;
  /** Circle's USDC and its EIP-712 domain; the devnet deploys its own token. */
  usdc?: { address: `0x${string}`; name: string; version: string };
  explorer?: string;
}

export const NETWORKS: Record<string, NetworkInfo> = {
  "eip155:8453": {
    network: "eip155:8453",
    chainId: 8453,
    label: "Base",
    v1Name: "base",
    usdc: { address: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", name: "USD Coin", version: "2" },
    explorer: "https://basescan.org",
  },
  "eip155:84532": {
    network: "eip155:84532",
    chainId: 84532,
    label: "Base Sepolia",
    v1Name: "base-sepolia",
    usdc: { address: "0x036CbD53842c5426634e7929541eC2318f3dCF7e", name: "USDC", version: "2" },
    explorer: "https://sepolia.basescan.org",
  },
  "eip155:31337": { network: "eip155:31337", chainId: 31337, label: "Local devnet (anvil)" },
};

export function networkInfo(network: string): NetworkInfo {
  const chainId = Number(network.split(":")[1]);
  return NETWORKS[network] ?? { network, chainId, label: network };
}
