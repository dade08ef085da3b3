import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ledgerEntries } from "@/db/schema";
import { checkLedger, getBalance } from "@/lib/ledger";
import type { RunningApp } from "@/lib/server/start";
import { createEndpoint, fundedWallet } from "@/test/helpers/endpoints";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import { startTestApp } from "@/test/helpers/server";
import { until } from "@/test/helpers/until";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";

// #17 point 3: a metered route reserves its maximum and is charged what the origin used.
describe.each(["fast", "next"] as const)("metered pricing (%s door)", (door) => {
  let app: RunningApp;
  let origin: Origin;
  let ep: Awaited<ReturnType<typeof createEndpoint>>;
  let flat: Awaited<ReturnType<typeof createEndpoint>>;

  const call = (slug: string, path: string, wallet: string) =>
    fetch(`${app.url}/e/${slug}${path}`, { headers: { "x-wallet-address": wallet } });
  const balanceOf = (wallet: string, endpointId = ep.id) =>
    getBalance(app.ctx.db, { endpointId, wallet });

  beforeAll(async () => {
    origin = await startOrigin();
    app = await startTestApp({ door, target });
    ep = await createEndpoint(app.ctx, origin.url, {
      creditsPerCall: 1n,
      apiSchema: {
        version: 1,
        routes: [
          { path: "/metered", method: "GET", credits: 10, metered: true },
          { path: "/metered-stream", method: "GET", credits: 10, metered: true },
          { path: "/fail", method: "GET", credits: 10, metered: true },
          { path: "/reset-mid-body", method: "GET", credits: 10, metered: true },
        ],
      },
    });
    flat = await createEndpoint(app.ctx, origin.url, { creditsPerCall: 5n, metered: true });
  });
  afterAll(async () => {
    await app?.close();
    await origin?.close();
  });

  it("charges what the origin reports and gives the rest back at once", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 20n);
    const res = await call(ep.slug, "/metered?used=3", wallet);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-credits-charged")).toBe("3");
    expect(res.headers.get("x-credits-remaining")).toBe("17");
    expect(await res.text()).toBe("metered");
    expect(await balanceOf(wallet)).toBe(17n);
    const zero = await call(ep.slug, "/metered?used=0", wallet);
    expect(zero.headers.get("x-credits-charged")).toBe("0");
    await zero.text();
    expect(await balanceOf(wallet)).toBe(17n);
  });

  it("charges the maximum for a missing, malformed or too large report", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 50n);
    for (const query of ["", "?used=abc", "?used=-1", "?used=11", "?used=1e3"]) {
      const res = await call(ep.slug, `/metered${query}`, wallet);
      expect(res.headers.get("x-credits-charged"), query).toBe("10");
      await res.text();
    }
    expect(await balanceOf(wallet)).toBe(0n);
  });

  it("reserves the maximum: the 402 asks for it, and a balance below it is refused", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 9n);
    const res = await call(ep.slug, "/metered?used=1", wallet);
    expect(res.status).toBe(402);
    expect(await res.json()).toMatchObject({ required: 10, credits: 9 });
  });

  it("settles a streamed answer from its trailer", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const res = await call(ep.slug, "/metered-stream?used=4", wallet);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-credits-charged")).toBe("10"); // reserved while it streams
    expect(await res.text()).toContain("token 2");
    expect(
      await until(
        () => balanceOf(wallet),
        (b) => b === 6n,
      ),
    ).toBe(6n);
  });

  it("returns everything for a refunded call, once", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const res = await call(ep.slug, "/fail", wallet);
    expect(res.status).toBe(500);
    expect(res.headers.get("x-credits-charged")).toBe("0");
    await res.text();
    expect(await balanceOf(wallet)).toBe(10n);
  });

  it("refunds exactly what is left when the origin breaks off after reporting", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const res = await call(ep.slug, "/reset-mid-body?used=3", wallet);
    expect(res.headers.get("x-credits-charged")).toBe("3");
    await expect(res.arrayBuffer()).rejects.toThrow();
    await until(
      () => balanceOf(wallet),
      (b) => b === 10n,
    );
    await new Promise((r) => setTimeout(r, 300)); // and nothing more comes back
    expect(await balanceOf(wallet)).toBe(10n);
  });

  it("meters a whole endpoint with creditsPerCall as the maximum", async () => {
    const wallet = await fundedWallet(app.ctx, flat.id, 5n);
    const res = await call(flat.slug, "/metered?used=2", wallet);
    expect(res.headers.get("x-credits-charged")).toBe("2");
    await res.text();
    expect(await balanceOf(wallet, flat.id)).toBe(3n);
    const entries = await app.ctx.db
      .select({ kind: ledgerEntries.kind, delta: ledgerEntries.delta })
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.endpointId, flat.id), eq(ledgerEntries.wallet, wallet)))
      .orderBy(ledgerEntries.id);
    expect(entries.map((e) => [e.kind, e.delta])).toEqual([
      ["grant", 5n],
      ["consume", -5n],
      ["refund", 3n],
    ]);
  });

  it("stays exact under 64 concurrent metered callers", async () => {
    const wallets = await Promise.all(
      Array.from({ length: 8 }, () => fundedWallet(app.ctx, ep.id, 100n)),
    );
    const statuses = await Promise.all(
      Array.from({ length: 64 }, async (_, i) => {
        const res = await call(ep.slug, `/metered?used=${i % 11}`, wallets[i % 8] as string);
        await res.text();
        return res.status;
      }),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(await checkLedger(app.ctx.db)).toMatchObject({ ok: true });
  });
});
