"use client";

import { useState } from "react";
import { useConnection } from "wagmi";
import { useChainInfo } from "@/components/providers";
import { Button, Card, Notice } from "@/components/ui";
import { useBalance } from "@/hooks/use-balance";
import { usePurchase } from "@/hooks/use-purchase";
import type { CatalogEndpoint } from "@/lib/api/catalog";
import { formatCredits, formatUsdcText } from "@/lib/ui/format";
import { FaucetButton } from "./faucet-button";

const STAGE_TEXT = {
  signing: "Confirm the USDC authorization in your wallet…",
  settling: "Verifying your signature and settling the payment on chain…",
  pending: "The payment is pending at the facilitator; waiting for it to settle…",
} as const;

/** Packs with Buy buttons, your balance, and the purchase's progress and receipt. */
export function BuyPanel({ endpoint }: { endpoint: CatalogEndpoint }) {
  const { address } = useConnection();
  const chain = useChainInfo();
  const balance = useBalance(endpoint.slug);
  const purchase = usePurchase(endpoint.slug);
  const [chosen, setChosen] = useState<string | null>(null);
  const busy = purchase.isPending;
  const stage = purchase.stage;
  return (
    <Card title="Buy credits">
      <p className="mb-3 text-sm">
        Your balance:{" "}
        <strong data-testid="credit-balance" className="tabular-nums">
          {!address
            ? "connect a wallet"
            : balance.data === undefined
              ? "…"
              : `${formatCredits(balance.data)} credits`}
        </strong>
      </p>
      <div className="mb-4">
        <FaucetButton />
      </div>
      <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
        {endpoint.packs.map((p) => (
          <li key={p.id} className="rounded-md border border-zinc-200 p-3 dark:border-zinc-800">
            <div className="font-medium">{p.name}</div>
            <div className="text-sm text-zinc-600 dark:text-zinc-400">
              {formatCredits(p.credits)} credits ·{" "}
              {formatCredits(Math.floor(p.credits / endpoint.creditsPerCall))} calls
            </div>
            <div className="my-2 text-lg font-semibold tabular-nums">{formatUsdcText(p.price)}</div>
            <Button
              className="w-full"
              disabled={!address || busy}
              aria-label={`Buy ${p.name} for ${p.price} USDC`}
              onClick={() => {
                setChosen(p.id);
                purchase.mutate(p);
              }}
            >
              {busy && chosen === p.id ? "Buying…" : `Buy ${p.name}`}
            </Button>
          </li>
        ))}
      </ul>
      <p className="mt-3 text-xs text-zinc-500 dark:text-zinc-400">
        You sign one USDC transfer authorization (EIP-3009) for exactly the price, on{" "}
        {chain.devnet ? "the local devnet" : chain.network}. No gas; the server settles it.
      </p>
      <div className="mt-3 min-h-10" aria-live="polite">
        {busy && stage in STAGE_TEXT && (
          <Notice>
            {STAGE_TEXT[stage as keyof typeof STAGE_TEXT]}
            {purchase.paymentId && (
              <span className="block font-mono text-xs">Payment id: {purchase.paymentId}</span>
            )}
          </Notice>
        )}
        {purchase.error && <Notice tone="error">{purchase.error.message}</Notice>}
        {purchase.data && !busy && (
          <Notice tone="success">
            <span data-testid="receipt">
              Bought {formatCredits(purchase.data.purchased.credits)} credits for{" "}
              {formatUsdcText(BigInt(purchase.data.purchased.amount))}.
            </span>{" "}
            {chain.explorer ? (
              <a
                className="underline"
                href={`${chain.explorer}/tx/${purchase.data.purchased.transaction}`}
              >
                View transaction
              </a>
            ) : (
              <span className="text-xs">
                Transaction <code className="break-all">{purchase.data.purchased.transaction}</code>
              </span>
            )}
          </Notice>
        )}
      </div>
    </Card>
  );
}
