import { and, desc, eq, lt, or } from "drizzle-orm";
import type { Db } from "@/db";
import { balances } from "@/db/schema";
import { badCursor } from "@/lib/http/query";
import { checksumWallet } from "@/lib/wallet";

/**
 * An endpoint's customers, most recently active first, paged by a cursor. Reads only the
 * balance rows (their totals are kept by the ledger statements), never the ledger.
 */
export async function listCustomers(
  db: Db,
  endpointId: number,
  limit: number,
  cursor?: { at: Date; wallet: string },
) {
  const rows = await db
    .select()
    .from(balances)
    .where(
      and(
        eq(balances.endpointId, endpointId),
        cursor
          ? or(
              lt(balances.updatedAt, cursor.at),
              and(eq(balances.updatedAt, cursor.at), lt(balances.wallet, cursor.wallet)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(balances.updatedAt), desc(balances.wallet))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    customers: page.map((b) => ({
      wallet: checksumWallet(b.wallet),
      credits: Number(b.credits),
      purchased: Number(b.purchased),
      consumed: Number(b.consumed),
      calls: Number(b.calls),
      lastCallAt: b.lastCallAt?.toISOString() ?? null,
      updatedAt: b.updatedAt.toISOString(),
    })),
    nextCursor:
      rows.length > limit && last
        ? Buffer.from(`${last.updatedAt.toISOString()}|${last.wallet}`).toString("base64url")
        : null,
  };
}

/** A customers page's `cursor`, as `nextCursor` hands it out; anything else → 400. */
export function decodeCustomerCursor(cursor: string | undefined) {
  if (cursor === undefined) return undefined;
  const [at = "", wallet = "", extra] = Buffer.from(cursor, "base64url")
    .toString("utf8")
    .split("|");
  const date = ISO_INSTANT.test(at) ? new Date(at) : new Date(Number.NaN);
  if (extra !== undefined || !WALLET.test(wallet) || Number.isNaN(date.getTime())) {
    throw badCursor();
  }
  return { at: date, wallet };
}

// What toISOString writes for years 0000-9999, and the lower-case wallets the table keeps.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const WALLET = /^0x[0-9a-f]{40}$/;
