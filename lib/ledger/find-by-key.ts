import { and, eq, gte } from "drizzle-orm";
import type { Db } from "@/db";
import { type LedgerKind, ledgerEntries } from "@/db/schema";
import type { Account } from "./types";

/** The entry an idempotency key already produced on this account, if any. */
export async function findByKey(db: Db, account: Account, kind: LedgerKind, key: string) {
  const [entry] = await db
    .select({
      id: ledgerEntries.id,
      balanceAfter: ledgerEntries.balanceAfter,
      delta: ledgerEntries.delta,
    })
    .from(ledgerEntries)
    .where(
      and(
        eq(ledgerEntries.endpointId, account.endpointId),
        eq(ledgerEntries.wallet, account.wallet),
        eq(ledgerEntries.kind, kind),
        eq(ledgerEntries.idempotencyKey, key),
      ),
    )
    .limit(1);
  return entry;
}

/**
 * The consume entry sent with this request digest since `since`, if it committed. Scans the
 * endpoint's entries since then by time (ledger_entries_endpoint_time_idx): a recovery
 * path for debits whose connection broke, never the hot path.
 */
export async function findConsumeByDigest(
  db: Db,
  account: Account,
  digest: string,
  since: Date,
): Promise<bigint | undefined> {
  const [entry] = await db
    .select({ id: ledgerEntries.id })
    .from(ledgerEntries)
    .where(
      and(
        eq(ledgerEntries.endpointId, account.endpointId),
        gte(ledgerEntries.createdAt, since),
        eq(ledgerEntries.wallet, account.wallet),
        eq(ledgerEntries.kind, "consume"),
        eq(ledgerEntries.requestDigest, digest),
      ),
    )
    .limit(1);
  return entry?.id;
}
