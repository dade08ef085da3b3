import { and, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { ledgerEntries } from "@/db/schema";
import { credit } from "./credit";
import type { Applied } from "./types";

/**
 * Gives back the credits of one `consume` entry, as a compensating `refund` entry that
 * references it. Idempotent by construction: the key is derived from the entry, so an
 * entry is refunded at most once however often this runs.
 */
export async function refund(db: Db, consumeEntryId: bigint): Promise<Applied> {
  const [entry] = await db
    .select({
      endpointId: ledgerEntries.endpointId,
      wallet: ledgerEntries.wallet,
      delta: ledgerEntries.delta,
    })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.id, consumeEntryId), eq(ledgerEntries.kind, "consume")))
    .limit(1);
  if (!entry) throw new RangeError(`no consume entry ${consumeEntryId}`);
  return credit(db, {
    endpointId: entry.endpointId,
    wallet: entry.wallet,
    credits: -entry.delta,
    kind: "refund",
    reference: `entry:${consumeEntryId}`,
    idempotencyKey: `refund:${consumeEntryId}`,
  });
}
