"use client";

import { useConnection, useSwitchChain } from "wagmi";
import { useChainInfo } from "@/components/providers";
import { Button } from "@/components/ui";

/** A connected wallet on another chain cannot pay here: say so, and offer the switch. */
export function NetworkBanner() {
  const { chainId, status } = useConnection();
  const chain = useChainInfo();
  const switchChain = useSwitchChain();
  if (status !== "connected" || chainId === undefined || chainId === chain.chainId) return null;
  return (
    <div
      role="alert"
      className="flex flex-wrap items-center justify-center gap-3 bg-amber-100 px-4 py-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-200"
    >
      <span>
        Wrong network: your wallet is on chain {chainId}; payments here use{" "}
        {chain.devnet ? "the local devnet" : chain.network} (chain {chain.chainId}).
      </span>
      <Button onClick={() => switchChain.mutate({ chainId: chain.chainId })}>
        Switch to chain {chain.chainId}
      </Button>
      {switchChain.error && <span>{switchChain.error.message.split("\n")[0]}</span>}
    </div>
  );
}
