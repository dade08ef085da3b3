"use client";

import { Skeleton } from "@/components/ui";
import { useEndpointUsage } from "@/hooks/use-provider-endpoints";
import { parseUsdc } from "@/lib/money";
import { formatCredits, formatUsdcText } from "@/lib/ui/format";
import { Sparkline } from "./sparkline";

/**
 * One endpoint over the last 7 UTC days (today included): calls, credits consumed, revenue,
 * distinct wallets that made a call, and the trend.
 */
export function EndpointKpis({ slug }: { slug: string }) {
  const usage = useEndpointUsage(slug, 7);
  if (usage.isLoading) return <Skeleton className="h-10 w-full" />;
  if (usage.error) return <span className="text-sm text-red-600">{usage.error.message}</span>;
  const series = usage.data?.series ?? [];
  const sum = (k: "calls" | "credits") => series.reduce((n, p) => n + Number(p[k]), 0);
  const revenue = series.reduce((n, p) => n + (parseUsdc(p.revenue) ?? 0n), 0n);
  const kpis: [string, string, string][] = [
    ["Calls", formatCredits(sum("calls")), "calls"],
    ["Credits used", formatCredits(sum("credits")), "credits-used"],
    ["Revenue", formatUsdcText(revenue), "revenue"],
    // Distinct over the whole week, from the server: daily counts cannot be added up.
    ["Wallets that called", formatCredits(usage.data?.activeWallets ?? 0), "active-wallets"],
  ];
  return (
    <div className="flex flex-wrap items-center gap-x-6 gap-y-2">
      <dl className="grid grid-cols-2 gap-x-6 gap-y-1 sm:grid-cols-4">
        {kpis.map(([k, v, id]) => (
          <div key={id}>
            <dt className="text-xs text-zinc-500 dark:text-zinc-400">{k}, 7 days</dt>
            <dd className="font-semibold tabular-nums" data-testid={`kpi-${id}`}>
              {v}
            </dd>
          </div>
        ))}
      </dl>
      <Sparkline
        values={series.map((p) => Number(p.calls))}
        label={`Calls over 7 days for ${slug}`}
      />
    </div>
  );
}
