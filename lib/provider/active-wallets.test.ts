import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Database } from "@/db";
import { credit, debit, refund } from "@/lib/ledger";
import { openTestDatabase } from "@/test/helpers/databases";
import { insertEndpoint, randomWallet } from "@/test/helpers/fixtures";
import { activeWallets } from "./active-wallets";

const DAY = 86_400_000;

describe.each(inject("dbTargets"))("activeWallets on %s", (target) => {
  let database: Database;
  let endpointId: number;
  let otherId: number;

  const call = async (wallet: string, endpoint = endpointId) => {
    const result = await debit(database.db, { endpointId: endpoint, wallet, credits: 1n });
    if (!result.ok) throw new Error("debit refused");
    return result;
  };
  const buy = (wallet: string, endpoint = endpointId) =>
    credit(database.db, { endpointId: endpoint, wallet, credits: 10n, kind: "purchase" });
  // The ledger is append-only, so a wallet whose last call was days ago is made by moving
  // its balance row back in time (both stamps, as the debit writes them together).
  const lastCalled = (wallet: string, daysAgo: number) =>
    database.db.execute(sql`
      update balances set last_call_at = now() - make_interval(days => ${daysAgo}),
                          updated_at = now() - make_interval(days => ${daysAgo})
      where endpoint_id = ${endpointId} and wallet = ${wallet}`);

  beforeAll(async () => {
    database = await openTestDatabase(target);
    endpointId = (await insertEndpoint(database.db)).id;
    otherId = (await insertEndpoint(database.db)).id;
  });
  afterAll(() => database?.close());

  it("counts each wallet with a call in the window once, whatever else it did", async () => {
    const [often, today, refunded, sixDays, eightDays, buyerOnly, elsewhere] = [
      randomWallet(),
      randomWallet(),
      randomWallet(),
      randomWallet(),
      randomWallet(),
      randomWallet(),
      randomWallet(),
    ];
    for (const w of [often, today, refunded, sixDays, eightDays, buyerOnly]) await buy(w);
    for (let i = 0; i < 5; i++) await call(often);
    await call(today);
    // A refunded call (origin down) was still a call by that wallet.
    const r = await call(refunded);
    await refund(database.db, r.entryId);
    await call(sixDays);
    await lastCalled(sixDays, 6);
    await call(eightDays);
    await lastCalled(eightDays, 8);
    // The wallet that only bought, and one calling another endpoint, are not this one's.
    await buy(elsewhere, otherId);
    await call(elsewhere, otherId);
    // A later purchase moves updated_at, not last_call_at: still 8 days since its last call.
    await buy(eightDays);

    const since = new Date(Date.now() - 7 * DAY);
    expect(await activeWallets(database.db, endpointId, since)).toBe(4);
    expect(await activeWallets(database.db, endpointId, new Date(Date.now() - 9 * DAY))).toBe(5);
    expect(await activeWallets(database.db, endpointId, new Date(Date.now() - DAY))).toBe(3);
    expect(await activeWallets(database.db, otherId, since)).toBe(1);
  });
});
