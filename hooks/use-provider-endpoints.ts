"use client";

import { useQuery } from "@tanstack/react-query";
import { api } from "@/lib/ui/api";

export interface ProviderEndpoint {
  slug: string;
  name: string;
  description: string;
  originUrl: string;
  payTo: string;
  creditsPerCall: number;
  walletAuth: "header" | "signed";
  refundOnError: boolean;
  timeoutMs: number;
  paused: boolean;
  packs: { id: string; name: string; credits: number; price: string; amount: string }[];
  defaultPack: string | null;
  apiSchema: {
    version: 1;
    routes: { path: string; method: string; credits?: number; summary?: string }[];
  } | null;
  gatewayUrl: string;
}

export interface UsageRow {
  t: string;
  calls: number;
  credits: number;
  wallets: number;
  refunds: number;
  purchases: number;
  revenue: string;
}

/** The signed-in provider's endpoints. */
export function useProviderEndpoints() {
  return useQuery({
    queryKey: ["provider", "endpoints"],
    queryFn: () =>
      api<{ endpoints: ProviderEndpoint[] }>("/api/provider/endpoints").then((r) => r.endpoints),
  });
}

export function useProviderEndpoint(slug: string) {
  return useQuery({
    queryKey: ["provider", "endpoints", slug],
    queryFn: () =>
      api<{ endpoint: ProviderEndpoint }>(`/api/provider/endpoints/${slug}`).then(
        (r) => r.endpoint,
      ),
  });
}

/** Daily usage of one endpoint over the last `days` days. */
export function useEndpointUsage(slug: string, days = 7) {
  return useQuery({
    queryKey: ["provider", "usage", slug, days],
    queryFn: () => {
      const from = new Date(Date.now() - days * 86_400_000).toISOString();
      return api<{ series: UsageRow[] }>(
        `/api/provider/endpoints/${slug}/usage?bucket=day&from=${encodeURIComponent(from)}`,
      ).then((r) => r.series);
    },
  });
}
