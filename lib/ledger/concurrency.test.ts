import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Database } from "@/db";
import { openTestDatabase } from "@/test/helpers/databases";
import { insertEndpoint, randomWallet } from "@/test/helpers/fixtures";
import { checkLedger, credit, DebitBatcher, debit, getBalance, preparedRunner } from ".";
import type { DebitResult } from "./types";

const WORKERS = 64;

type DebitFn = (endpointId: number, wallet: string) => Promise<DebitResult>;

/** `jobs` debits of 1 credit from `WORKERS` concurrent workers; counts the outcomes. */
async function hammer(jobs: number, run: (i: number) => Promise<DebitResult>) {
  let next = 0;
  let succeeded = 0;
  let refused = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (next < jobs) {
        const r = await run(next++);
        if (r.ok) succeeded++;
        else refused++;
      }
    }),
  );
  const perSecond = Math.round(jobs / ((performance.now() - started) / 1000));
  return { succeeded, refused, perSecond };
}

describe.each(inject("dbTargets"))("ledger concurrency on %s", { timeout: 180_000 }, (target) => {
  let database: Database;
  let batched: DebitFn;
  let direct: DebitFn;

  beforeAll(async () => {
    database = await openTestDatabase(target, { poolMax: WORKERS });
    const batcher = new DebitBatcher(preparedRunner(database));
    batched = (endpointId, wallet) => batcher.debit({ endpointId, wallet }, { credits: 1n });
    direct = (endpointId, wallet) => debit(database.db, { endpointId, wallet, credits: 1n });
  });
  afterAll(() => database?.close());

  async function oneAccount(jobs: number, holding: bigint, run: DebitFn) {
    const { id } = await insertEndpoint(database.db);
    const wallet = randomWallet();
    await credit(database.db, { endpointId: id, wallet, credits: holding, kind: "grant" });
    const outcome = await hammer(jobs, () => run(id, wallet));
    return { outcome, balance: await getBalance(database.db, { endpointId: id, wallet }) };
  }

  it("10,000 debits from 64 workers on ONE account of 5,000 (group commit): exactly 5,000 pass", async () => {
    const { outcome, balance } = await oneAccount(10_000, 5_000n, batched);
    console.info(`[${target}] one account, group commit: ${outcome.perSecond} debits/s`);
    expect(outcome).toMatchObject({ succeeded: 5_000, refused: 5_000 });
    expect(balance).toBe(0n);
    expect(await checkLedger(database.db)).toMatchObject({ ok: true });
  });

  it("2,000 single-statement debits from 64 workers on ONE account of 1,000: exactly 1,000 pass", async () => {
    const { outcome, balance } = await oneAccount(2_000, 1_000n, direct);
    console.info(`[${target}] one account, one statement each: ${outcome.perSecond} debits/s`);
    expect(outcome).toMatchObject({ succeeded: 1_000, refused: 1_000 });
    expect(balance).toBe(0n);
    expect(await checkLedger(database.db)).toMatchObject({ ok: true });
  });

  it("10,000 debits from 64 workers over 1,000 accounts of 5: exactly 5,000 pass", async () => {
    const { id } = await insertEndpoint(database.db);
    const wallets = Array.from({ length: 1_000 }, randomWallet);
    await Promise.all(
      wallets.map((wallet) =>
        credit(database.db, { endpointId: id, wallet, credits: 5n, kind: "grant" }),
      ),
    );
    const outcome = await hammer(10_000, (i) => batched(id, wallets[i % wallets.length] as string));
    console.info(`[${target}] 1,000 accounts: ${outcome.perSecond} debits/s`);
    expect(outcome).toMatchObject({ succeeded: 5_000, refused: 5_000 });
    for (const wallet of wallets) {
      expect(await getBalance(database.db, { endpointId: id, wallet })).toBe(0n);
    }
    expect(await checkLedger(database.db)).toMatchObject({ ok: true });
  });

  it("two batchers (as two processes) on one account stay exact", async () => {
    const { id } = await insertEndpoint(database.db);
    const wallet = randomWallet();
    await credit(database.db, { endpointId: id, wallet, credits: 1_500n, kind: "grant" });
    const a = new DebitBatcher(preparedRunner(database));
    const b = new DebitBatcher(preparedRunner(database));
    const outcome = await hammer(3_000, (i) =>
      (i % 2 ? a : b).debit({ endpointId: id, wallet }, { credits: 1n }),
    );
    expect(outcome).toMatchObject({ succeeded: 1_500, refused: 1_500 });
    expect(await getBalance(database.db, { endpointId: id, wallet })).toBe(0n);
    expect(await checkLedger(database.db)).toMatchObject({ ok: true });
  });
});
