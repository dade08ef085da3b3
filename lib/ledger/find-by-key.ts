import { and, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { type LedgerKind, ledgerEntries } from "@/db/schema";
import type { Account } from "./types";

/** The entry an idempotency key already produced on this account, if any. */
export async function findByKey(db: Db, account: Account, kind: LedgerKind, key: string) {
  const [entry] = await db
    .select({ id: ledgerEntries.id, balanceAfter: ledgerEntries.balanceAfter })
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
