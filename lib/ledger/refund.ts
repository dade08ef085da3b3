import { and, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { ledgerEntries } from "@/db/schema";
import { getBalance } from "./balances";
import { credit } from "./credit";
import { findByKey } from "./find-by-key";
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
  // A metered call may already have had its unused credits back: refund only the rest.
  const returned = await findByKey(db, entry, "refund", `meter:${consumeEntryId}`);
  const credits = -entry.delta - (returned?.delta ?? 0n);
  if (credits <= 0n) return nothingLeft(db, entry, consumeEntryId);
  return credit(db, {
    endpointId: entry.endpointId,
    wallet: entry.wallet,
    credits,
    kind: "refund",
    reference: `entry:${consumeEntryId}`,
    idempotencyKey: `refund:${consumeEntryId}`,
  });
}

/**
 * Gives back what a metered call reserved but did not use (`credits` of its `consume`
 * entry), once per entry however often this runs.
 */
export async function returnUnused(
  db: Db,
  consumeEntryId: bigint,
  account: Account,
  credits: bigint,
): Promise<Applied> {
  const [entry] = await db
    .select({ delta: ledgerEntries.delta })
    .from(ledgerEntries)
    .where(
      and(
        eq(ledgerEntries.id, consumeEntryId),
        eq(ledgerEntries.kind, "consume"),
        eq(ledgerEntries.endpointId, account.endpointId),
        eq(ledgerEntries.wallet, account.wallet),
      ),
    )
    .limit(1);
  if (!entry || credits > -entry.delta)
    throw new ForeignEntryError(`consume entry ${consumeEntryId} did not reserve ${credits}`);
  // Already refunded whole (the answer broke off): nothing unused is left to give back.
  if (await findByKey(db, account, "refund", `refund:${consumeEntryId}`))
    return nothingLeft(db, account, consumeEntryId);
  return credit(db, {
    ...account,
    credits,
    kind: "refund",
    reference: `entry:${consumeEntryId} unused`,
    idempotencyKey: `meter:${consumeEntryId}`,
  });
}

/** Nothing of the entry is left to give back: its account's balance, as a replay. */
async function nothingLeft(db: Db, account: Account, consumeEntryId: bigint): Promise<Applied> {
  return {
    ok: true,
    entryId: consumeEntryId,
    balance: await getBalance(db, account),
    replayed: true,
  };
}
