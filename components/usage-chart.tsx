"use client";

import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export interface UsagePoint {
  t: string;
  calls: number;
  credits: number;
}

/** Calls and credits per bucket. Fixed height so loading never shifts the layout. */
export function UsageChart({ series, label }: { series: UsagePoint[]; label: string }) {
  const data = series.map((p) => ({
    ...p,
    calls: Number(p.calls),
    credits: Number(p.credits),
    day: new Date(p.t).toLocaleDateString("en-US", { month: "short", day: "numeric" }),
  }));
  return (
    <figure aria-label={label} className="h-56 w-full">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 8, right: 8, left: -16, bottom: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="currentColor" strokeOpacity={0.15} />
          <XAxis dataKey="day" fontSize={12} stroke="currentColor" />
          <YAxis allowDecimals={false} fontSize={12} stroke="currentColor" />
          <Tooltip contentStyle={{ color: "#18181b" }} />
          <Bar dataKey="calls" name="Calls" fill="#6366f1" isAnimationActive={false} />
          <Bar dataKey="credits" name="Credits" fill="#22c55e" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
