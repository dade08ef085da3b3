import { type Chain, defineChain } from "viem";
import { base, baseSepolia } from "viem/chains";
import { cookieStorage, createConfig, createStorage, http } from "wagmi";
import { coinbaseWallet, injected, walletConnect } from "wagmi/connectors";
import type { ChainInfo } from "@/lib/ui/chain-info";
import { devWallet } from "@/lib/wallet/dev-wallet";
import { lazyConnector } from "@/lib/wallet/lazy-connector";

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
 * One wagmi config per chain: injected wallets found by EIP-6963 discovery, Coinbase Wallet,
 * WalletConnect when the server has a project id, and the devnet-only dev wallet. The two
 * SDK-backed connectors load their SDKs only once picked. Cookie storage lets the server
 * render the connected state.
 */
export function makeWagmiConfig(info: ChainInfo) {
  const chain = paymentChain(info);
  const app = { name: "x402-credits", url: info.publicUrl };
  return createConfig({
    chains: [chain],
    connectors: [
      injected(),
      lazyConnector(coinbaseWallet({ appName: app.name })),
      ...(info.walletConnectProjectId
        ? [
            lazyConnector(
              walletConnect({
                projectId: info.walletConnectProjectId,
                metadata: { ...app, description: "Prepaid API credits", icons: [] },
              }),
            ),
          ]
        : []),
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
