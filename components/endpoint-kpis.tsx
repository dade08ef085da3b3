"use client";

import { Skeleton } from "@/components/ui";
import { useEndpointUsage } from "@/hooks/use-provider-endpoints";
import { parseUsdc } from "@/lib/money";
import { formatCredits, formatUsdcText } from "@/lib/ui/format";
import { Sparkline } from "./sparkline";

/** Last 7 days of one endpoint: calls, credits consumed, revenue, active wallets, trend. */
export function EndpointKpis({ slug }: { slug: string }) {
  const usage = useEndpointUsage(slug, 7);
  if (usage.isLoading) return <Skeleton className="h-10 w-full" />;
  if (usage.error) return <span className="text-sm text-red-600">{usage.error.message}</span>;
  const series = usage.data ?? [];
  const sum = (k: "calls" | "credits") => series.reduce((n, p) => n + Number(p[k]), 0);
  const revenue = series.reduce((n, p) => n + (parseUsdc(p.revenue) ?? 0n), 0n);
  const wallets = Math.max(0, ...series.map((p) => Number(p.wallets)));
  const kpis: [string, string][] = [
    ["Calls", formatCredits(sum("calls"))],
    ["Credits used", formatCredits(sum("credits"))],
    ["Revenue", formatUsdcText(revenue)],
    ["Peak daily wallets", formatCredits(wallets)],
  ];
  return (
    <div className="flex flex-wrap items-center gap-x-6 gap-y-2">
      <dl className="grid grid-cols-2 gap-x-6 gap-y-1 sm:grid-cols-4">
        {kpis.map(([k, v]) => (
          <div key={k}>
            <dt className="text-xs text-zinc-500">{k}</dt>
            <dd
              className="font-semibold tabular-nums"
              data-testid={`kpi-${k.toLowerCase().replaceAll(" ", "-")}`}
            >
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
