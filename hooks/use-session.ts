"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { createSiweMessage } from "viem/siwe";
import { useConnection, useSignMessage } from "wagmi";
import { useChainInfo } from "@/components/providers";
import { ApiFailure, api } from "@/lib/ui/api";

/** The SIWE session: who is signed in (null when nobody), and sign in / out. */
export function useSession() {
  const queryClient = useQueryClient();
  const { address } = useConnection();
  const chain = useChainInfo();
  const { signMessageAsync } = useSignMessage();
  const session = useQuery({
    queryKey: ["session"],
    queryFn: () =>
      api<{ address: string }>("/api/auth/session").catch((err) => {
        if (err instanceof ApiFailure && err.status === 401) return null;
        throw err;
      }),
  });
  const signIn = useMutation({
    mutationFn: async () => {
      if (!address) throw new Error("Connect a wallet first.");
      const { nonce } = await api<{ nonce: string }>("/api/auth/nonce");
      const url = new URL(chain.publicUrl);
      const message = createSiweMessage({
        address,
        chainId: chain.chainId,
        domain: url.host,
        uri: `${url.origin}/`,
        version: "1",
        nonce,
        statement: "Sign in to x402-credits.",
      });
      const signature = await signMessageAsync({ message });
      return api<{ address: string }>("/api/auth/verify", {
        method: "POST",
        json: { message, signature },
      });
    },
    onSuccess: () => queryClient.invalidateQueries(),
  });
  const signOut = useMutation({
    mutationFn: () => api("/api/auth/logout", { method: "POST" }),
    onSuccess: () => queryClient.invalidateQueries(),
  });
  const signedIn =
    !!session.data && !!address && session.data.address.toLowerCase() === address.toLowerCase();
  return { session, signedIn, signIn, signOut };
}
