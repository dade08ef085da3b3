"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useConnection } from "wagmi";
import { useChainInfo } from "@/components/providers";
import { Button } from "@/components/ui";
import { useUsdcBalance } from "@/hooks/use-usdc-balance";
import { api } from "@/lib/ui/api";
import { formatUsdcText } from "@/lib/ui/format";

/** Your USDC, and on the devnet a button that mints 10 test USDC to you. */
export function FaucetButton() {
  const chain = useChainInfo();
  const { address } = useConnection();
  const usdc = useUsdcBalance();
  const queryClient = useQueryClient();
  const faucet = useMutation({
    mutationFn: () => api("/api/dev/faucet", { method: "POST", json: { address, amount: "10" } }),
    onSuccess: () => queryClient.invalidateQueries(),
  });
  if (!address) return null;
  return (
    <div className="flex flex-wrap items-center gap-3 text-sm">
      <span>
        Wallet USDC:{" "}
        <strong data-testid="usdc-balance" className="tabular-nums">
          {usdc.data === undefined ? "…" : formatUsdcText(usdc.data)}
        </strong>
      </span>
      {chain.devnet && (
        <Button variant="secondary" disabled={faucet.isPending} onClick={() => faucet.mutate()}>
          {faucet.isPending ? "Minting…" : "Get 10 test USDC (devnet faucet)"}
        </Button>
      )}
      {faucet.error && (
        <span role="alert" className="text-red-600">
          {faucet.error.message}
        </span>
      )}
    </div>
  );
}
