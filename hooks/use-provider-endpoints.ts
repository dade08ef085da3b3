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

/**
 * Daily usage of one endpoint over the last `days` UTC days, and the distinct wallets that
 * made a call in that time (not derivable from the daily buckets).
 */
export function useEndpointUsage(slug: string, days = 7) {
  return useQuery({
    queryKey: ["provider", "usage", slug, days],
    queryFn: () => {
      // Whole UTC days, today included: the day buckets start there anyway, so the counted
      // wallets cover exactly the time the summed calls do.
      const today = Math.floor(Date.now() / 86_400_000) * 86_400_000;
      const from = new Date(today - (days - 1) * 86_400_000).toISOString();
      return api<{ series: UsageRow[]; activeWallets: number }>(
        `/api/provider/endpoints/${slug}/usage?bucket=day&from=${encodeURIComponent(from)}`,
      );
    },
  });
}
