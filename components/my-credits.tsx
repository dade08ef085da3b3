"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useChainInfo } from "@/components/providers";
import { Card, ScrollX, Skeleton } from "@/components/ui";
import { api } from "@/lib/ui/api";
import { formatCredits, formatDate, formatUsdcText } from "@/lib/ui/format";
import { FaucetButton } from "./faucet-button";
import { MyUsage } from "./my-usage";

interface Purchase {
  id: string;
  endpoint: string;
  pack: string;
  credits: number;
  price: string;
  status: string;
  transaction: string | null;
  transactionUrl: string | null;
  createdAt: string;
}
interface Entry {
  id: string;
  kind: string;
  delta: number | string;
  balanceAfter: number | string;
  createdAt: string;
}

/** Balances, purchases, and per-endpoint history and usage of the signed-in wallet. */
export function MyCredits() {
  const balances = useQuery({
    queryKey: ["me", "balances"],
    queryFn: () => api<{ balances: { endpoint: string; credits: number }[] }>("/api/me/balances"),
  });
  const purchases = useQuery({
    queryKey: ["me", "purchases"],
    queryFn: () => api<{ purchases: Purchase[] }>("/api/me/purchases"),
  });
  const list = balances.data?.balances ?? [];
  const [picked, setPicked] = useState<string | null>(null);
  const slug = picked ?? list[0]?.endpoint ?? null;
  return (
    <>
      <FaucetButton />
      <Card title="Balances">
        {balances.isLoading ? (
          <Skeleton className="h-16 w-full" />
        ) : balances.error ? (
          <p role="alert" className="text-sm text-red-600">
            {balances.error.message}
          </p>
        ) : list.length === 0 ? (
          <p className="text-sm">
            No credits yet.{" "}
            <Link className="underline" href="/">
              Browse the catalog
            </Link>
            .
          </p>
        ) : (
          <ul className="grid gap-3 sm:grid-cols-3">
            {list.map((b) => (
              <li
                key={b.endpoint}
                className="rounded-md border border-zinc-200 p-3 dark:border-zinc-800"
              >
                <Link className="text-sm underline" href={`/endpoints/${b.endpoint}`}>
                  {b.endpoint}
                </Link>
                <div
                  className="text-xl font-semibold tabular-nums"
                  data-testid={`balance-${b.endpoint}`}
                >
                  {formatCredits(b.credits)}
                </div>
              </li>
            ))}
          </ul>
        )}
      </Card>
      <Card
        title="Purchases"
        action={
          <a className="text-sm underline" href="/api/me/purchases?format=csv">
            Export CSV
          </a>
        }
      >
        <PurchaseTable rows={purchases.data?.purchases} loading={purchases.isLoading} />
      </Card>
      {slug && (
        <Card
          title="History and usage"
          action={
            <label className="flex items-center gap-2 text-sm">
              Endpoint
              <select
                className="rounded-md border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"
                value={slug}
                onChange={(e) => setPicked(e.target.value)}
              >
                {list.map((b) => (
                  <option key={b.endpoint}>{b.endpoint}</option>
                ))}
              </select>
            </label>
          }
        >
          <MyUsage slug={slug} />
          <History slug={slug} />
        </Card>
      )}
    </>
  );
}

function PurchaseTable({ rows, loading }: { rows: Purchase[] | undefined; loading: boolean }) {
  const chain = useChainInfo();
  if (loading) return <Skeleton className="h-16 w-full" />;
  if (!rows?.length) return <p className="text-sm">No purchases yet.</p>;
  return (
    <ScrollX label="Purchases table">
      <table className="w-full text-left text-sm" data-testid="purchases">
        <thead className="text-zinc-500 dark:text-zinc-400">
          <tr>
            <th className="py-1 pr-3 font-medium">When</th>
            <th className="py-1 pr-3 font-medium">Endpoint</th>
            <th className="py-1 pr-3 text-right font-medium">Credits</th>
            <th className="py-1 pr-3 text-right font-medium">Price</th>
            <th className="py-1 pr-3 font-medium">Status</th>
            <th className="py-1 font-medium">Transaction</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((p) => (
            <tr key={p.id} className="border-t border-zinc-200 dark:border-zinc-800">
              <td className="py-1.5 pr-3 whitespace-nowrap">{formatDate(p.createdAt)}</td>
              <td className="py-1.5 pr-3">{p.endpoint}</td>
              <td className="py-1.5 pr-3 text-right tabular-nums">{formatCredits(p.credits)}</td>
              <td className="py-1.5 pr-3 text-right tabular-nums whitespace-nowrap">
                {formatUsdcText(p.price)}
              </td>
              <td className="py-1.5 pr-3">{p.status}</td>
              <td className="py-1.5 font-mono text-xs">
                {p.transactionUrl ? (
                  <a className="underline" href={p.transactionUrl}>
                    {p.transaction?.slice(0, 10)}…
                  </a>
                ) : p.transaction ? (
                  <span title={chain.devnet ? "Devnet: no block explorer" : undefined}>
                    {p.transaction.slice(0, 10)}…
                  </span>
                ) : (
                  "—"
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollX>
  );
}

function History({ slug }: { slug: string }) {
  const history = useQuery({
    queryKey: ["me", "history", slug],
    queryFn: () =>
      api<{ entries: Entry[] }>(`/api/me/history?endpoint=${encodeURIComponent(slug)}&limit=50`),
  });
  const rows = history.data?.entries ?? [];
  return (
    <div className="mt-4">
      <div className="mb-2 flex flex-wrap items-center justify-between gap-2">
        <h3 className="text-sm font-semibold">Ledger</h3>
        <span className="flex gap-3 text-sm">
          <a className="underline" href={`/api/me/history?endpoint=${slug}&format=csv&limit=1000`}>
            History CSV
          </a>
          <a className="underline" href={`/api/me/usage?endpoint=${slug}&format=csv`}>
            Usage CSV
          </a>
        </span>
      </div>
      {history.isLoading ? (
        <Skeleton className="h-16 w-full" />
      ) : rows.length === 0 ? (
        <p className="text-sm">No entries.</p>
      ) : (
        <ScrollX label="History table">
          <table className="w-full text-left text-sm" data-testid="history">
            <thead className="text-zinc-500 dark:text-zinc-400">
              <tr>
                <th className="py-1 pr-3 font-medium">When</th>
                <th className="py-1 pr-3 font-medium">Kind</th>
                <th className="py-1 pr-3 text-right font-medium">Change</th>
                <th className="py-1 text-right font-medium">Balance</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <tr key={e.id} className="border-t border-zinc-200 dark:border-zinc-800">
                  <td className="py-1.5 pr-3 whitespace-nowrap">{formatDate(e.createdAt)}</td>
                  <td className="py-1.5 pr-3">{e.kind}</td>
                  <td className="py-1.5 pr-3 text-right tabular-nums">
                    {Number(e.delta) > 0 ? "+" : ""}
                    {formatCredits(Number(e.delta))}
                  </td>
                  <td className="py-1.5 text-right tabular-nums">
                    {formatCredits(Number(e.balanceAfter))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollX>
      )}
    </div>
  );
}
