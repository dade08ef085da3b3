"use client";

import { useQuery } from "@tanstack/react-query";
import { useConnection } from "wagmi";
import { api } from "@/lib/ui/api";

/** The connected wallet's credits on one endpoint (the agents' balance API; no sign-in). */
export function useBalance(slug: string) {
  const { address } = useConnection();
  return useQuery({
    queryKey: ["credits", address, slug],
    enabled: !!address,
    queryFn: () =>
      api<{ credits: number }>(`/api/credits/balance?endpoint=${encodeURIComponent(slug)}`, {
        headers: { "x-wallet-address": address as string },
      }).then((b) => b.credits),
  });
}
