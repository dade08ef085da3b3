"use client";

import { useQuery } from "@tanstack/react-query";
import { Skeleton } from "@/components/ui";
import { api } from "@/lib/ui/api";
import { UsageChart, type UsagePoint } from "./usage-chart";

/** The signed-in wallet's daily usage of one endpoint (last 30 days). */
export function MyUsage({ slug }: { slug: string }) {
  const usage = useQuery({
    queryKey: ["me", "usage", slug],
    queryFn: () =>
      api<{ series: UsagePoint[] }>(
        `/api/me/usage?endpoint=${encodeURIComponent(slug)}&bucket=day`,
      ),
  });
  if (usage.isLoading) return <Skeleton className="h-56 w-full" />;
  if (usage.error)
    return (
      <p role="alert" className="text-sm text-red-600">
        {usage.error.message}
      </p>
    );
  const series = usage.data?.series ?? [];
  const total = series.reduce((n, p) => n + Number(p.calls), 0);
  return (
    <div>
      <p className="mb-2 text-sm" data-testid="usage-total">
        {total === 0
          ? "No calls yet."
          : `${total.toLocaleString("en-US")} call${total === 1 ? "" : "s"} in this period.`}
      </p>
      <UsageChart series={series} label={`Your usage of ${slug}`} />
    </div>
  );
}
