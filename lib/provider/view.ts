import type { CreditPack, Endpoint } from "@/db/schema";
import { formatUsdc } from "@/lib/money";
import { checksumWallet } from "@/lib/wallet";

/** An endpoint as its provider sees it (never the origin key itself). */
export function endpointView(row: Endpoint, packs: CreditPack[], publicUrl: string) {
  return {
    slug: row.slug,
    name: row.name,
    description: row.description,
    originUrl: row.originUrl,
    payTo: checksumWallet(row.payTo),
    creditsPerCall: Number(row.creditsPerCall),
    walletAuth: row.walletAuth,
    refundOnError: row.refundOnError,
    metered: row.metered,
    timeoutMs: row.timeoutMs,
    maxBodyBytes: row.maxBodyBytes,
    paused: row.paused,
    packs: packs.map((p) => ({
      id: p.id,
      name: p.name,
      credits: Number(p.credits),
      price: formatUsdc(p.priceAtomic),
      amount: p.priceAtomic.toString(),
    })),
    defaultPack: row.defaultPackId,
    apiSchema: row.apiSchema,
    hasOriginKey: row.originKeyEnc !== null,
    gatewayUrl: `${publicUrl}/e/${row.slug}`,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export type EndpointView = ReturnType<typeof endpointView>;
