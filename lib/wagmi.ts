import { type Chain, defineChain } from "viem";
import { base, baseSepolia } from "viem/chains";
import { cookieStorage, createConfig, createStorage, http } from "wagmi";
import { injected } from "wagmi/connectors";
import type { ChainInfo } from "@/lib/ui/chain-info";
import { devWallet } from "@/lib/wallet/dev-wallet";

/** The chain packs are paid on, as wagmi knows it; the devnet is built from its RPC URL. */
export function paymentChain(info: ChainInfo): Chain {
  if (info.chainId === base.id) return base;
  if (info.chainId === baseSepolia.id) return baseSepolia;
  return defineChain({
    id: info.chainId,
    name: info.devnet ? "Local devnet" : `Chain ${info.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [info.rpcUrl ?? "http://127.0.0.1:8545"] } },
    testnet: info.devnet,
  });
}

/**
 * One wagmi config per chain: injected wallets found by EIP-6963 discovery, plus the
 * devnet-only dev wallet. Cookie storage lets the server render the connected state.
 */
export function makeWagmiConfig(info: ChainInfo) {
  const chain = paymentChain(info);
  return createConfig({
    chains: [chain],
    connectors: [
      injected(),
      ...(info.devnet && info.rpcUrl ? [devWallet(chain, info.rpcUrl)] : []),
    ],
    multiInjectedProviderDiscovery: true,
    ssr: true,
    storage: createStorage({ storage: cookieStorage }),
    transports: { [chain.id]: http() },
  });
}

declare module "wagmi" {
  interface Register {
    config: ReturnType<typeof makeWagmiConfig>;
  }
}
