import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Database, Db } from "@/db";
import { balances, ledgerEntries } from "@/db/schema";
import { openTestDatabase } from "@/test/helpers/databases";
import { insertEndpoint, randomWallet } from "@/test/helpers/fixtures";
import {
  checkLedger,
  credit,
  debit,
  drizzleRunner,
  getBalance,
  listBalances,
  refund,
  runDebits,
} from ".";

describe.each(inject("dbTargets"))("ledger on %s", (target) => {
  let database: Database;
  let db: Db;
  let endpointId: number;

  beforeAll(async () => {
    database = await openTestDatabase(target);
    db = database.db;
    endpointId = (await insertEndpoint(db)).id;
  });
  afterAll(() => database?.close());

  const account = () => ({ endpointId, wallet: randomWallet() });

  it("credits a new account and records the entry", async () => {
    const a = account();
    const first = await credit(db, { ...a, credits: 100n, kind: "purchase", reference: "pay-1" });
    const second = await credit(db, { ...a, credits: 50n, kind: "grant" });
    expect(first).toMatchObject({ ok: true, balance: 100n, replayed: false });
    expect(second.balance).toBe(150n);
    expect(await getBalance(db, a)).toBe(150n);
    const entries = await db
      .select()
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.endpointId, endpointId), eq(ledgerEntries.wallet, a.wallet)))
      .orderBy(ledgerEntries.id);
    expect(entries.map((e) => [e.kind, e.delta, e.balanceAfter, e.reference])).toEqual([
      ["purchase", 100n, 100n, "pay-1"],
      ["grant", 50n, 150n, null],
    ]);
  });

  it("answers 0 for a wallet that never bought", async () => {
    expect(await getBalance(db, account())).toBe(0n);
  });

  it("debits all or nothing and never below zero", async () => {
    const a = account();
    await credit(db, { ...a, credits: 5n, kind: "grant" });
    expect(await debit(db, { ...a, credits: 3n })).toMatchObject({ ok: true, balance: 2n });
    expect(await debit(db, { ...a, credits: 3n })).toEqual({ ok: false, balance: 2n });
    expect(await debit(db, { ...a, credits: 2n })).toMatchObject({ ok: true, balance: 0n });
    expect(await debit(db, { ...a, credits: 1n })).toEqual({ ok: false, balance: 0n });
    expect(await debit(db, { ...account(), credits: 1n })).toEqual({ ok: false, balance: 0n });
    expect(await getBalance(db, a)).toBe(0n);
  });

  it("rejects non-positive amounts before touching the database", async () => {
    await expect(debit(db, { ...account(), credits: 0n })).rejects.toThrow(RangeError);
    await expect(credit(db, { ...account(), credits: -1n, kind: "grant" })).rejects.toThrow(
      RangeError,
    );
  });

  it("applies a keyed debit once and replays its first result", async () => {
    const a = account();
    await credit(db, { ...a, credits: 10n, kind: "grant" });
    const first = await debit(db, { ...a, credits: 4n, idempotencyKey: "k1" });
    const again = await debit(db, { ...a, credits: 4n, idempotencyKey: "k1" });
    expect(first).toMatchObject({ ok: true, balance: 6n, replayed: false });
    expect(again).toEqual({ ...first, replayed: true });
    expect(await getBalance(db, a)).toBe(6n);
  });

  it("replays a keyed debit even when the balance could no longer cover it", async () => {
    const a = account();
    await credit(db, { ...a, credits: 4n, kind: "grant" });
    const first = await debit(db, { ...a, credits: 4n, idempotencyKey: "all-in" });
    expect(await debit(db, { ...a, credits: 4n, idempotencyKey: "all-in" })).toEqual({
      ...first,
      replayed: true,
    });
  });

  it("applies a keyed debit once when 20 copies race", async () => {
    const a = account();
    await credit(db, { ...a, credits: 100n, kind: "grant" });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => debit(db, { ...a, credits: 7n, idempotencyKey: "race" })),
    );
    expect(results.filter((r) => r.ok && !r.replayed)).toHaveLength(1);
    expect(new Set(results.map((r) => (r.ok ? r.entryId : -1n))).size).toBe(1);
    expect(await getBalance(db, a)).toBe(93n);
  });

  it("applies a keyed credit once, sequentially and when 20 copies race", async () => {
    const a = account();
    const key = "payment-abc";
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        credit(db, { ...a, credits: 500n, kind: "purchase", idempotencyKey: key }),
      ),
    );
    const again = await credit(db, { ...a, credits: 500n, kind: "purchase", idempotencyKey: key });
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(again.replayed).toBe(true);
    expect(await getBalance(db, a)).toBe(500n);
  });

  it("scopes keys to the account: another wallet's key is its own", async () => {
    const a = account();
    const b = account();
    await credit(db, { ...a, credits: 1n, kind: "grant", idempotencyKey: "same" });
    const other = await credit(db, { ...b, credits: 1n, kind: "grant", idempotencyKey: "same" });
    expect(other.replayed).toBe(false);
  });

  it("applies one batch over several accounts in each account's order, refusing items one by one", async () => {
    const a = account();
    const b = account();
    const never = account();
    await credit(db, { ...a, credits: 5n, kind: "grant" });
    await credit(db, { ...b, credits: 3n, kind: "grant" });
    const results = await runDebits(drizzleRunner(db), [
      { ...b, credits: 2n },
      { ...a, credits: 4n },
      { ...never, credits: 1n },
      { ...b, credits: 2n }, // refused: 1 left
      { ...a, credits: 1n, idempotencyKey: "x" },
      { ...b, credits: 1n },
      { ...a, credits: 1n, idempotencyKey: "x" }, // the same key again: replayed
    ]);
    expect(
      results.map((r) => (r.ok ? `${r.balance}${r.replayed ? "r" : ""}` : `no:${r.balance}`)),
    ).toEqual(["1", "1", "no:0", "no:1", "0", "0", "0r"]);
    expect(await getBalance(db, a)).toBe(0n);
    expect(await getBalance(db, b)).toBe(0n);
    expect((await checkLedger(db)).ok).toBe(true);
  });

  it("refunds a consume entry exactly once", async () => {
    const a = account();
    await credit(db, { ...a, credits: 10n, kind: "grant" });
    const spent = await debit(db, { ...a, credits: 6n });
    if (!spent.ok) throw new Error("debit refused");
    const [r1, r2] = await Promise.all([refund(db, spent.entryId), refund(db, spent.entryId)]);
    const r3 = await refund(db, spent.entryId);
    expect([r1?.replayed, r2?.replayed].filter((r) => r === false)).toHaveLength(1);
    expect(r3.replayed).toBe(true);
    expect(await getBalance(db, a)).toBe(10n);
  });

  it("refuses to refund an entry that is not a consume", async () => {
    const a = account();
    const granted = await credit(db, { ...a, credits: 10n, kind: "grant" });
    await expect(refund(db, granted.entryId)).rejects.toThrow(/no consume entry/);
  });

  it("keeps the ledger append-only", async () => {
    const a = account();
    const entry = await credit(db, { ...a, credits: 10n, kind: "grant" });
    await expect(
      db.update(ledgerEntries).set({ delta: 1000n }).where(eq(ledgerEntries.id, entry.entryId)),
    ).rejects.toThrow();
    await expect(
      db.delete(ledgerEntries).where(eq(ledgerEntries.id, entry.entryId)),
    ).rejects.toThrow();
    await expect(db.execute(sql`truncate ledger_entries cascade`)).rejects.toThrow();
  });

  it("refuses a negative balance even written directly", async () => {
    const a = account();
    await credit(db, { ...a, credits: 1n, kind: "grant" });
    await expect(
      db.update(balances).set({ credits: -1n }).where(eq(balances.wallet, a.wallet)),
    ).rejects.toThrow();
  });

  it("lists a wallet's balances by endpoint slug", async () => {
    const other = await insertEndpoint(db, { slug: "aaa-first" });
    const a = account();
    await credit(db, { ...a, credits: 3n, kind: "grant" });
    await credit(db, { endpointId: other.id, wallet: a.wallet, credits: 9n, kind: "grant" });
    const rows = await listBalances(db, a.wallet);
    expect(rows.map((r) => [r.endpoint, r.credits])).toEqual([
      ["aaa-first", 9n],
      [expect.stringMatching(/^ep-/), 3n],
    ]);
  });

  it("checkLedger passes on honest data and names a tampered account", async () => {
    expect(await checkLedger(db)).toMatchObject({ ok: true, mismatches: [], brokenChain: 0 });
    const a = account();
    await credit(db, { ...a, credits: 10n, kind: "grant" });
    await db.update(balances).set({ credits: 11n }).where(eq(balances.wallet, a.wallet));
    const report = await checkLedger(db);
    expect(report.ok).toBe(false);
    expect(report.mismatches).toEqual([{ endpointId, wallet: a.wallet, balance: 11n, sum: 10n }]);
    await db.update(balances).set({ credits: 10n }).where(eq(balances.wallet, a.wallet));
    expect((await checkLedger(db)).ok).toBe(true);
  });
});
