"use client";

import { erc20Abi } from "viem";
import { useConnection, useReadContract } from "wagmi";
import { useChainInfo } from "@/components/providers";

/** The connected wallet's USDC (atomic units) on the payment chain. */
export function useUsdcBalance() {
  const { address } = useConnection();
  const chain = useChainInfo();
  return useReadContract({
    address: chain.asset.address,
    abi: erc20Abi,
    functionName: "balanceOf",
    args: address ? [address] : undefined,
    chainId: chain.chainId,
    query: { enabled: !!address },
  });
}
