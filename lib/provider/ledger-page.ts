import { and, desc, eq, lt } from "drizzle-orm";
import type { Db } from "@/db";
import { ledgerEntries } from "@/db/schema";
import { checksumWallet } from "@/lib/wallet";

/** Ledger entries newest first, paged by entry id (stable under concurrent appends). */
export async function ledgerPage(
  db: Db,
  scope: { endpointId: number; wallet?: string },
  limit: number,
  before?: bigint,
) {
  const rows = await db
    .select()
    .from(ledgerEntries)
    .where(
      and(
        eq(ledgerEntries.endpointId, scope.endpointId),
        scope.wallet ? eq(ledgerEntries.wallet, scope.wallet) : undefined,
        before ? lt(ledgerEntries.id, before) : undefined,
      ),
    )
    .orderBy(desc(ledgerEntries.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return {
    entries: page.map((e) => ({
      id: e.id.toString(),
      wallet: checksumWallet(e.wallet),
      kind: e.kind,
      delta: Number(e.delta),
      balanceAfter: Number(e.balanceAfter),
      reference: e.reference,
      createdAt: e.createdAt.toISOString(),
    })),
    nextCursor: rows.length > limit ? (page.at(-1)?.id.toString() ?? null) : null,
  };
}
