import { and, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { ledgerEntries } from "@/db/schema";
import { credit } from "./credit";
import type { Account, Applied } from "./types";

/** The entry to refund is not the consume the caller described (another database's id). */
export class ForeignEntryError extends RangeError {
  override name = "ForeignEntryError";
}

/**
 * Gives back the credits of one `consume` entry, as a compensating `refund` entry that
 * references it. Idempotent by construction: the key is derived from the entry, so an
 * entry is refunded at most once however often this runs.
 */
export async function refund(
  db: Db,
  consumeEntryId: bigint,
  expected?: Account & { credits: bigint },
): Promise<Applied> {
  const [entry] = await db
    .select({
      endpointId: ledgerEntries.endpointId,
      wallet: ledgerEntries.wallet,
      delta: ledgerEntries.delta,
    })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.id, consumeEntryId), eq(ledgerEntries.kind, "consume")))
    .limit(1);
  if (!entry) throw new ForeignEntryError(`no consume entry ${consumeEntryId}`);
  if (
    expected &&
    (entry.endpointId !== expected.endpointId ||
      entry.wallet !== expected.wallet ||
      -entry.delta !== expected.credits)
  ) {
    throw new ForeignEntryError(`consume entry ${consumeEntryId} is not the one described`);
  }
  return credit(db, {
    endpointId: entry.endpointId,
    wallet: entry.wallet,
    credits: -entry.delta,
    kind: "refund",
    reference: `entry:${consumeEntryId}`,
    idempotencyKey: `refund:${consumeEntryId}`,
  });
}
