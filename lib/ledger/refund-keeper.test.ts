import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Database, Db } from "@/db";
import { openTestDatabase } from "@/test/helpers/databases";
import { insertEndpoint, randomWallet } from "@/test/helpers/fixtures";
import { credit, debit, getBalance } from ".";
import { databaseIdentity, RefundKeeper } from "./refund-keeper";

describe.each(inject("dbTargets"))("refunds kept on disk (%s)", (target) => {
  let database: Database;
  let db: Db;
  let endpointId: number;
  let keeper: RefundKeeper;
  const logged: string[] = [];

  beforeAll(async () => {
    database = await openTestDatabase(target);
    db = database.db;
    endpointId = (await insertEndpoint(db)).id;
    const dataDir = mkdtempSync(path.join(tmpdir(), "x402-refunds-"));
    keeper = new RefundKeeper(db, dataDir, `test:${target}`, (m) => logged.push(m));
  });
  afterAll(() => database?.close());

  const consumed = async (credits: bigint) => {
    const wallet = randomWallet();
    await credit(db, { endpointId, wallet, credits: 10n, kind: "grant" });
    const result = await debit(db, { endpointId, wallet, credits });
    if (!result.ok) throw new Error("debit refused");
    return { entryId: result.entryId, endpointId, wallet, credits };
  };
  const keep = (due: { entryId: bigint; endpointId: number; wallet: string; credits: bigint }) =>
    writeFileSync(
      path.join(keeper.dir, due.entryId.toString()),
      JSON.stringify({ ...due, entryId: `${due.entryId}`, credits: `${due.credits}` }),
    );

  it("refunds at once when the ledger answers", async () => {
    const due = await consumed(3n);
    expect(await keeper.refund(due)).toEqual({ refunded: true, balance: 10n });
    expect(await keeper.pendingCount()).toBe(0);
  });

  it("applies a kept refund exactly once, however often it drains", async () => {
    const due = await consumed(4n);
    await keeper.refund({ ...due, credits: 1n }); // a wrong description is kept, not applied
    expect(await getBalance(db, due)).toBe(6n);
    keep(due);
    await Promise.all([keeper.drain(), keeper.drain()]);
    await keeper.drain();
    expect(await getBalance(db, due)).toBe(10n);
    expect(await keeper.refund(due)).toEqual({ refunded: true, balance: 10n });
    expect(await getBalance(db, due)).toBe(10n);
  });

  it("leaves a refund kept for another database's entry untouched", async () => {
    const due = await consumed(2n);
    keep({ ...due, entryId: due.entryId + 1_000_000n });
    keep({ ...due, wallet: randomWallet(), entryId: due.entryId });
    await keeper.drain();
    expect(await getBalance(db, due)).toBe(8n);
    expect(readdirSync(keeper.dir)).toContain(`${due.entryId + 1_000_000n}`);
    expect(readdirSync(keeper.dir)).toContain(`${due.entryId}`);
  });

  it("refunds an uncertain debit only if it committed, and forgets one that never did", async () => {
    const wallet = randomWallet();
    await credit(db, { endpointId, wallet, credits: 10n, kind: "grant" });
    const sent = await debit(db, { endpointId, wallet, credits: 3n, requestDigest: "call-a" });
    expect(sent.ok).toBe(true);
    const now = Date.now();
    await keeper.keepUncertain({
      endpointId,
      wallet,
      requestDigest: "call-a",
      credits: 3n,
      sentAt: now,
    });
    await keeper.keepUncertain({
      endpointId,
      wallet,
      requestDigest: "call-b",
      credits: 3n,
      sentAt: now,
    });
    await keeper.keepUncertain({
      endpointId,
      wallet,
      requestDigest: "call-c",
      credits: 3n,
      sentAt: now - 10 * 60_000,
    });
    await keeper.drain();
    await keeper.drain();
    expect(await getBalance(db, { endpointId, wallet })).toBe(10n);
    const left = readdirSync(keeper.dir);
    expect(left).not.toContain("u-call-a");
    expect(left).toContain("u-call-b"); // may still commit: kept a while longer
    expect(left).not.toContain("u-call-c"); // long past: it never committed
  });

  it("scopes its directory by database, without the password", () => {
    const a = databaseIdentity({ kind: "postgres", url: "postgres://u:secret@h:5432/db" });
    expect(a).toBe("postgres://u@h:5432/db".replace("postgres://", "postgres:postgres://"));
    expect(new RefundKeeper(db, "/x", a).dir).not.toBe(new RefundKeeper(db, "/x", "other").dir);
  });
});
