import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { ledgerEntries } from "@/db/schema";
import { getBalance } from "@/lib/ledger";
import type { RunningApp } from "@/lib/server/start";
import { createEndpoint, fundedWallet } from "@/test/helpers/endpoints";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import { openUpload, rssPeak } from "@/test/helpers/raw-http";
import { startTestApp } from "@/test/helpers/server";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";
const CAP = 4;

// Hole 4 of issue #11: a trickled upload holds nothing for long, and holds it at its cost.
describe("slow uploads", () => {
  let app: RunningApp;
  let origin: Origin;
  let quick: Awaited<ReturnType<typeof createEndpoint>>;
  let patient: Awaited<ReturnType<typeof createEndpoint>>;
  let neighbour: Awaited<ReturnType<typeof createEndpoint>>;
  const open: ReturnType<typeof openUpload>[] = [];

  beforeAll(async () => {
    origin = await startOrigin();
    app = await startTestApp({
      door: "fast",
      target,
      env: { GATEWAY_WALLET_CONCURRENCY: String(CAP) },
    });
    quick = await createEndpoint(app.ctx, origin.url, { timeoutMs: 1_000 });
    // A long deadline, so only isolation (not the deadline) can keep its neighbour served.
    patient = await createEndpoint(app.ctx, origin.url, { timeoutMs: 60_000 });
    neighbour = await createEndpoint(app.ctx, origin.url, { timeoutMs: 5_000 });
  });
  afterEach(() => {
    for (const u of open.splice(0)) u.destroy();
  });
  afterAll(async () => {
    await app?.close();
    await origin?.close();
  });

  /** An upload that sends one byte every `everyMs` and never ends. */
  const trickle = (slug: string, wallet: string, everyMs = 100) => {
    const upload = openUpload(app.url, `/e/${slug}/upload`, { "x-wallet-address": wallet });
    open.push(upload);
    const byte = new Uint8Array([120]);
    const timer = setInterval(() => {
      if (upload.closed) clearInterval(timer);
      else void upload.write(byte);
    }, everyMs);
    void upload.answer.finally(() => clearInterval(timer));
    return upload;
  };
  const entriesOf = (endpointId: number, wallet: string) =>
    app.ctx.db
      .select({ kind: ledgerEntries.kind })
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.endpointId, endpointId), eq(ledgerEntries.wallet, wallet)))
      .orderBy(ledgerEntries.id);

  it("one deadline covers the upload and the answer: a trickle gets 408 at timeoutMs and stays charged", async () => {
    const wallet = await fundedWallet(app.ctx, quick.id, 10n);
    const started = Date.now();
    const upload = trickle(quick.slug, wallet);
    const answered = await Promise.race([
      upload.answer,
      new Promise<null>((r) => setTimeout(() => r(null), 5_000)),
    ]);
    expect(answered?.status).toBe(408);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(JSON.parse(answered?.body ?? "{}")).toMatchObject({
      error: { code: "request_timeout" },
    });
    expect(answered?.headers["x-credits-charged"]).toBe("1");
    expect(await getBalance(app.ctx.db, { endpointId: quick.id, wallet })).toBe(9n);
  });

  it(`a wallet's calls beyond ${CAP} at once → 429 rate_limited with Retry-After, uncharged`, async () => {
    const wallet = await fundedWallet(app.ctx, patient.id, 100n);
    for (let i = 0; i < CAP; i++) trickle(patient.slug, wallet);
    await until(
      () =>
        origin.seen.filter((r) => String(r.headers["x-wallet-address"]).toLowerCase() === wallet)
          .length === CAP,
    );
    const res = await fetch(`${app.url}/e/${patient.slug}/echo`, {
      headers: { "x-wallet-address": wallet },
    });
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({ error: { code: "rate_limited" } });
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await getBalance(app.ctx.db, { endpointId: patient.id, wallet })).toBe(
      100n - BigInt(CAP),
    );
    // Another wallet is not held back by this one.
    const other = await fundedWallet(app.ctx, patient.id, 10n);
    const ok = await fetch(`${app.url}/e/${patient.slug}/echo`, {
      headers: { "x-wallet-address": other },
    });
    expect(ok.status).toBe(200);
  });

  it("a caller that hangs up after its upload reached the origin stays charged", async () => {
    const wallet = await fundedWallet(app.ctx, patient.id, 10n);
    const upload = trickle(patient.slug, wallet);
    await until(() =>
      origin.seen.some((r) => String(r.headers["x-wallet-address"]).toLowerCase() === wallet),
    );
    await new Promise((r) => setTimeout(r, 300));
    upload.destroy();
    await new Promise((r) => setTimeout(r, 500));
    expect(await getBalance(app.ctx.db, { endpointId: patient.id, wallet })).toBe(9n);
    expect(await entriesOf(patient.id, wallet)).toEqual([{ kind: "grant" }, { kind: "consume" }]);
  });

  it("520 slow uploads on one endpoint leave its neighbour on the same origin host served, memory flat", async () => {
    const wallets = await Promise.all(
      Array.from({ length: 520 / CAP }, () => fundedWallet(app.ctx, patient.id, 100n)),
    );
    const before = origin.seen.filter((r) => r.url === "/upload").length;
    const memory = rssPeak();
    for (const wallet of wallets)
      for (let i = 0; i < CAP; i++) trickle(patient.slug, wallet, 2_000);
    // Wait until the origin stops seeing new uploads: every connection the gateway will
    // give this endpoint is now held by a trickle.
    const uploads = () => origin.seen.filter((r) => r.url === "/upload").length;
    await until(() => uploads() - before >= 200, 30_000);
    for (let last = -1; uploads() !== last; await new Promise((r) => setTimeout(r, 500)))
      last = uploads();
    const buyer = await fundedWallet(app.ctx, neighbour.id, 100n);
    const timings: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = Date.now();
      const res = await fetch(`${app.url}/e/${neighbour.slug}/echo`, {
        headers: { "x-wallet-address": buyer },
      });
      await res.arrayBuffer();
      expect(res.status).toBe(200);
      timings.push(Date.now() - started);
    }
    const { growthMb } = memory.stop();
    // Starved, these calls would wait for the trickles to end (never, here). The bounds are
    // loose because the app, 520 uploaders and the origin share this process's one thread.
    timings.sort((x, y) => x - y);
    expect(timings[10]).toBeLessThan(1_000);
    expect(timings[19]).toBeLessThan(5_000);
    expect(growthMb).toBeLessThan(150);
  });
});

async function until(check: () => boolean, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
