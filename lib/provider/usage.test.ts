import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Database } from "@/db";
import { openTestDatabase } from "@/test/helpers/databases";
import { insertEndpoint } from "@/test/helpers/fixtures";
import { rolledUntil, rollupUsage } from "./rollup";
import { usageSeries } from "./usage";

describe.each(inject("dbTargets"))("usage rollups on %s", (target) => {
  let database: Database;
  let endpointId: number;
  const now = new Date();
  const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);

  beforeAll(async () => {
    database = await openTestDatabase(target);
    endpointId = (await insertEndpoint(database.db)).id;
    // 3 days of entries from 4 wallets, including refunds and purchases, some in the live hour.
    for (let i = 0; i < 300; i++) {
      const kind = i % 25 === 0 ? "purchase" : i % 17 === 0 ? "refund" : "consume";
      const delta = kind === "purchase" ? 100 : kind === "refund" ? 2 : -2;
      await database.db.execute(sql`
        insert into ledger_entries (endpoint_id, wallet, kind, delta, balance_after, created_at)
        values (${endpointId}, ${`0x${String(i % 4).padStart(40, "0")}`}, ${kind}, ${delta}, 1000,
                ${hoursAgo((i * 72) / 300).toISOString()})`);
    }
  });
  afterAll(() => database?.close());

  it.each(["hour", "day"] as const)(
    "the %s series is the same from rollups as from the raw ledger",
    async (bucket) => {
      const scope = { endpointId, from: hoursAgo(80), to: now, bucket };
      const raw = await usageSeries(database.db, scope);
      await rollupUsage(database.db, now);
      expect(await rolledUntil(database.db, bucket)).not.toBeNull();
      const rolled = await usageSeries(database.db, scope);
      expect(rolled).toEqual(raw);
      const totals = rolled.reduce((t, p) => t + p.calls, 0);
      const consumes = Array.from({ length: 300 }, (_, i) => i).filter(
        (i) => i % 25 !== 0 && i % 17 !== 0,
      );
      expect(totals).toBe(consumes.length);
      expect(Math.max(...rolled.map((p) => p.wallets))).toBe(4);
    },
  );

  it("rolling up again changes nothing", async () => {
    const scope = { endpointId, from: hoursAgo(80), to: now, bucket: "day" as const };
    const before = await usageSeries(database.db, scope);
    await rollupUsage(database.db, now);
    await rollupUsage(database.db, new Date(now.getTime() + 1_000));
    expect(await usageSeries(database.db, scope)).toEqual(before);
  });
});
