import { and, asc, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { balances, endpoints } from "@/db/schema";
import type { Account } from "./types";

/** An account's credits; 0 for a wallet that never bought. */
export async function getBalance(db: Db, account: Account): Promise<bigint> {
  const [row] = await db
    .select({ credits: balances.credits })
    .from(balances)
    .where(and(eq(balances.endpointId, account.endpointId), eq(balances.wallet, account.wallet)))
    .limit(1);
  return row?.credits ?? 0n;
}

/** Every endpoint on which the wallet holds or held credits, by slug. */
export async function listBalances(db: Db, wallet: string) {
  return db
    .select({ endpoint: endpoints.slug, credits: balances.credits })
    .from(balances)
    .innerJoin(endpoints, eq(endpoints.id, balances.endpointId))
    .where(eq(balances.wallet, wallet))
    .orderBy(asc(endpoints.slug));
}
