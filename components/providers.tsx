"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext, useState } from "react";
import { type State, WagmiProvider } from "wagmi";
import type { ChainInfo } from "@/lib/ui/chain-info";
import { makeWagmiConfig } from "@/lib/wagmi";

const ChainContext = createContext<ChainInfo | null>(null);

/** The payment chain's facts (network, asset, devnet RPC) from the server. */
export function useChainInfo(): ChainInfo {
  const info = useContext(ChainContext);
  if (!info) throw new Error("useChainInfo outside <Providers>");
  return info;
}

export function Providers(props: {
  chain: ChainInfo;
  initialState: State | undefined;
  children: ReactNode;
}) {
  // One config and one QueryClient per browser tab, created on first render.
  const [config] = useState(() => makeWagmiConfig(props.chain));
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { staleTime: 5_000, retry: 1 } } }),
  );
  return (
    <ChainContext value={props.chain}>
      <WagmiProvider config={config} initialState={props.initialState}>
        <QueryClientProvider client={queryClient}>{props.children}</QueryClientProvider>
      </WagmiProvider>
    </ChainContext>
  );
}
