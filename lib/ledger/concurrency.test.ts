import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Database } from "@/db";
import { openTestDatabase } from "@/test/helpers/databases";
import { insertEndpoint, randomWallet } from "@/test/helpers/fixtures";
import { checkLedger, credit, debit, getBalance } from ".";

const DEBITS = 10_000;
const WORKERS = 64;

/** Runs `jobs` debits of 1 credit from `WORKERS` concurrent workers; counts the outcomes. */
async function hammer(database: Database, endpointId: number, walletOf: (i: number) => string) {
  let next = 0;
  let succeeded = 0;
  let refused = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (next < DEBITS) {
        const i = next++;
        const r = await debit(database.db, { endpointId, wallet: walletOf(i), credits: 1n });
        if (r.ok) succeeded++;
        else refused++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { succeeded, refused, perSecond: Math.round(DEBITS / seconds) };
}

describe.each(inject("dbTargets"))("ledger concurrency on %s", (target) => {
  let database: Database;

  beforeAll(async () => {
    database = await openTestDatabase(target, { poolMax: WORKERS });
  });
  afterAll(() => database?.close());

  it(`${DEBITS} debits from ${WORKERS} workers on ONE account of 5,000: exactly 5,000 pass`, async () => {
    const { id } = await insertEndpoint(database.db);
    const wallet = randomWallet();
    await credit(database.db, { endpointId: id, wallet, credits: 5_000n, kind: "grant" });
    const outcome = await hammer(database, id, () => wallet);
    console.info(`[${target}] one account: ${outcome.perSecond} debits/s`);
    expect(outcome).toMatchObject({ succeeded: 5_000, refused: 5_000 });
    expect(await getBalance(database.db, { endpointId: id, wallet })).toBe(0n);
    expect(await checkLedger(database.db)).toMatchObject({ ok: true });
  });

  it(`${DEBITS} debits from ${WORKERS} workers over 1,000 accounts of 5: exactly 5,000 pass`, async () => {
    const { id } = await insertEndpoint(database.db);
    const wallets = Array.from({ length: 1_000 }, randomWallet);
    for (const wallet of wallets) {
      await credit(database.db, { endpointId: id, wallet, credits: 5n, kind: "grant" });
    }
    const outcome = await hammer(database, id, (i) => wallets[i % wallets.length] as string);
    console.info(`[${target}] 1,000 accounts: ${outcome.perSecond} debits/s`);
    expect(outcome).toMatchObject({ succeeded: 5_000, refused: 5_000 });
    for (const wallet of wallets.slice(0, 50)) {
      expect(await getBalance(database.db, { endpointId: id, wallet })).toBe(0n);
    }
    expect(await checkLedger(database.db)).toMatchObject({ ok: true });
  });
});
