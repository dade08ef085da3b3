"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { useState } from "react";
import { erc20Abi } from "viem";
import { useConfig, useConnection } from "wagmi";
import { getWalletClient, readContract } from "wagmi/actions";
import { useChainInfo } from "@/components/providers";
import { formatUsdcText } from "@/lib/ui/format";

export type PurchaseStage = "idle" | "signing" | "settling" | "pending" | "done" | "failed";

export interface Receipt {
  credits: number;
  endpoint: string;
  purchased: { pack: string; credits: number; amount: string; transaction: string };
}

/** A purchase refused before or after signing, with a sentence a person can act on. */
export class PurchaseError extends Error {
  constructor(
    readonly kind: "rejected" | "no_funds" | "wrong_network" | "refused" | "failed",
    message: string,
  ) {
    super(message);
  }
}

const POLL_MS = 1_500;
const POLL_LIMIT = 40;

/**
 * Buys a pack through the same x402 purchase API agents use: @x402/fetch gets the 402,
 * the connected wallet signs the EIP-3009 authorization, the server settles it. A pending
 * settlement is polled by payment id, never paid twice. Balances refresh on success.
 */
export function usePurchase(slug: string) {
  const chain = useChainInfo();
  const config = useConfig();
  const { address, chainId } = useConnection();
  const queryClient = useQueryClient();
  const [stage, setStage] = useState<PurchaseStage>("idle");
  const [paymentId, setPaymentId] = useState<string | null>(null);

  const mutation = useMutation({
    mutationFn: async (pack: { id: string; amount: string }): Promise<Receipt> => {
      setPaymentId(null);
      if (!address) throw new PurchaseError("failed", "Connect a wallet first.");
      if (chainId !== chain.chainId) {
        throw new PurchaseError(
          "wrong_network",
          `Your wallet is on chain ${chainId}; switch it to chain ${chain.chainId} to pay. Nothing was charged.`,
        );
      }
      const usdc = await readContract(config, {
        address: chain.asset.address,
        abi: erc20Abi,
        functionName: "balanceOf",
        args: [address],
      });
      if (usdc < BigInt(pack.amount)) {
        throw new PurchaseError(
          "no_funds",
          `Not enough USDC: this pack costs ${formatUsdcText(BigInt(pack.amount))} and your wallet holds ${formatUsdcText(usdc)}. Nothing was charged.`,
        );
      }
      const wallet = await getWalletClient(config);
      let signError: unknown;
      const signer = {
        address,
        signTypedData: async (msg: Parameters<typeof wallet.signTypedData>[0]) => {
          setStage("signing");
          try {
            const signature = await wallet.signTypedData({ ...msg, account: address });
            setStage("settling");
            return signature;
          } catch (err) {
            signError = err;
            throw err;
          }
        },
      };
      const client = new x402Client().register(
        chain.network as `${string}:${string}`,
        new ExactEvmScheme(signer as never),
      );
      client.setSpendControls({
        allowedAssets: [
          { network: chain.network as `${string}:${string}`, asset: chain.asset.address },
        ],
      });
      setStage("signing");
      const url = `/api/credits/purchase?endpoint=${encodeURIComponent(slug)}&pack=${encodeURIComponent(pack.id)}`;
      let res: Response;
      try {
        res = await wrapFetchWithPayment(fetch, client)(url, { method: "POST" });
      } catch (err) {
        if (signError) throw signFailure(signError);
        throw new PurchaseError("failed", err instanceof Error ? err.message : String(err));
      }
      const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      if (res.status === 200) return body as unknown as Receipt;
      if (res.status === 202 && typeof body.paymentId === "string") {
        setStage("pending");
        setPaymentId(body.paymentId);
        return pollPending(body.paymentId, slug);
      }
      throw refusal(res.status, body);
    },
    onMutate: () => setStage("signing"),
    onSuccess: () => setStage("done"),
    onError: () => setStage("failed"),
    // Credits, USDC and history all moved (or may have): refetch everything shown.
    onSettled: () => queryClient.invalidateQueries(),
  });
  return { ...mutation, stage, paymentId };
}

function signFailure(err: unknown): PurchaseError {
  const e = err as { code?: number; name?: string; cause?: { code?: number } };
  if (e.code === 4001 || e.cause?.code === 4001 || e.name === "UserRejectedRequestError") {
    return new PurchaseError(
      "rejected",
      "You declined the signature in your wallet. Nothing was charged.",
    );
  }
  const message = err instanceof Error ? err.message.split("\n")[0] : String(err);
  return new PurchaseError("failed", `Your wallet could not sign: ${message}`);
}

function refusal(status: number, body: Record<string, unknown>): PurchaseError {
  const reason =
    typeof body.error === "string"
      ? body.error
      : ((body.error as { message?: string } | undefined)?.message ?? `HTTP ${status}`);
  if (/insufficient_(balance|funds)/.test(reason)) {
    return new PurchaseError("no_funds", "Not enough USDC in your wallet. Nothing was charged.");
  }
  return new PurchaseError("refused", `The payment was refused (${reason}). Nothing was charged.`);
}

async function pollPending(paymentId: string, slug: string): Promise<Receipt> {
  for (let i = 0; i < POLL_LIMIT; i++) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    const res = await fetch(`/api/credits/purchases/${encodeURIComponent(paymentId)}`);
    if (!res.ok) continue;
    const s = (await res.json()) as {
      status: string;
      credits?: number;
      pack?: string;
      amount?: string;
      transaction?: string;
      failureReason?: string;
    };
    if (s.status === "settled") {
      return {
        credits: Number.NaN,
        endpoint: slug,
        purchased: {
          pack: s.pack ?? "",
          credits: s.credits ?? 0,
          amount: s.amount ?? "0",
          transaction: s.transaction ?? "",
        },
      };
    }
    if (s.status === "failed") {
      throw new PurchaseError(
        "failed",
        `Settlement failed (${s.failureReason ?? "unknown"}). Nothing was charged.`,
      );
    }
  }
  throw new PurchaseError(
    "failed",
    `Still pending after a minute. Payment ${paymentId} will be settled or released by the server; you will not be asked to pay for it again.`,
  );
}
