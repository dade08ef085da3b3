import http from "node:http";
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

// #10 hole 1: an Idempotency-Key is bound to its request and never becomes a free pass.
// #10 hole 10: an answer the origin broke off is aborted for the caller and refunded.
describe.each(["fast", "next"] as const)("gateway money rules (%s door)", (door) => {
  let app: RunningApp;
  let origin: Origin;
  let ep: Awaited<ReturnType<typeof createEndpoint>>;

  const call = (path: string, wallet: string, key?: string, init: RequestInit = {}) =>
    fetch(`${app.url}/e/${ep.slug}${path}`, {
      ...init,
      headers: {
        "x-wallet-address": wallet,
        ...(key && { "idempotency-key": key }),
        ...(init.headers as object),
      },
    });
  const balanceOf = (wallet: string) => getBalance(app.ctx.db, { endpointId: ep.id, wallet });
  const refundsOf = async (wallet: string) =>
    (
      await app.ctx.db
        .select({ id: ledgerEntries.id })
        .from(ledgerEntries)
        .where(
          and(
            eq(ledgerEntries.endpointId, ep.id),
            eq(ledgerEntries.wallet, wallet),
            eq(ledgerEntries.kind, "refund"),
          ),
        )
    ).length;

  beforeAll(async () => {
    origin = await startOrigin();
    app = await startTestApp({ door, target });
    ep = await createEndpoint(app.ctx, origin.url, { creditsPerCall: 1n, timeoutMs: 400 });
  });
  afterAll(async () => {
    await app?.close();
    await origin?.close();
  });

  it("refuses the same key for another method, path, query or body with 422, charging nothing", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const first = await call("/echo?a=1", wallet, "k-bound", { method: "POST", body: "one" });
    expect(first.status).toBe(200);
    await first.text();
    const hits = origin.hits();
    for (const [path, init] of [
      ["/echo?a=1", { method: "POST", body: "two" }],
      ["/echo?a=2", { method: "POST", body: "one" }],
      ["/other?a=1", { method: "POST", body: "one" }],
      ["/echo?a=1", { method: "PUT", body: "one" }],
      ["/echo?a=1", { method: "GET" }],
    ] as const) {
      const res = await call(path, wallet, "k-bound", init);
      expect(res.status, `${init.method} ${path}`).toBe(422);
      expect(await res.json()).toMatchObject({ error: { code: "idempotency_key_reused" } });
    }
    expect(origin.hits()).toBe(hits);
    expect(await balanceOf(wallet)).toBe(9n);

    const again = await call("/echo?a=1", wallet, "k-bound", { method: "POST", body: "one" });
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("x-credits-charged")).toBe("0");
    expect(((await again.json()) as { body: string }).body).toBe("one");
    expect(origin.hits()).toBe(hits);
  });

  it("holds at most 1 MiB of a keyed body, refusing more before anything is charged", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 3n);
    const hits = origin.hits();
    const res = await call("/upload", wallet, "k-huge", {
      method: "POST",
      body: Buffer.alloc(2 ** 20 + 1, 1),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: "payload_too_large" } });
    expect(origin.hits()).toBe(hits);
    expect(await balanceOf(wallet)).toBe(3n);
    const fits = await call("/upload", wallet, "k-fits", {
      method: "POST",
      body: Buffer.alloc(2 ** 20, 1),
    });
    expect(fits.status).toBe(200);
    expect(((await fits.json()) as { size: number }).size).toBe(2 ** 20);
    expect(await balanceOf(wallet)).toBe(2n);
  });

  it("never replays an answer over the replay limit as an empty 200, nor serves it again free", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 1n);
    const first = await call("/big?kb=100", wallet, "k-big");
    expect(first.status).toBe(200);
    expect((await first.arrayBuffer()).byteLength).toBe(100 * 1024);
    expect(await balanceOf(wallet)).toBe(0n);
    const hits = origin.hits();
    // Stored (as "too large to keep") before the first answer ended: no in-flight window.
    const res = await call("/big?kb=100", wallet, "k-big");
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: { code: "idempotency_answer_unavailable" } });
    expect(origin.hits()).toBe(hits);
    expect(await balanceOf(wallet)).toBe(0n);
  });

  it("a key whose answer was cut off by the caller is not a free pass at balance 0", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 1n);
    // The caller reads the headers of a 10 MB answer, then hangs up: nothing is stored.
    await new Promise<void>((resolve, reject) => {
      const req = http.get(
        `${app.url}/e/${ep.slug}/download?mb=10`,
        { headers: { "x-wallet-address": wallet, "idempotency-key": "k-cut" } },
        (res) => {
          expect(res.statusCode).toBe(200);
          res.once("data", () => {
            req.destroy();
            resolve();
          });
        },
      );
      req.on("error", () => {});
      setTimeout(() => reject(new Error("no answer")), 5_000);
    });
    expect(await balanceOf(wallet)).toBe(0n);
    const hits = origin.hits();
    // While the first call may still be running: 409 with Retry-After; then 409 for good.
    for (const path of ["/download?mb=10", "/echo"]) {
      const res = await call(path, wallet, "k-cut");
      expect(res.status).toBe(path === "/echo" ? 422 : 409);
      await res.arrayBuffer();
    }
    expect(origin.hits()).toBe(hits);
    expect(await balanceOf(wallet)).toBe(0n);
  });

  it("aborts and refunds an answer the origin resets mid-body", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 5n);
    const res = await call("/reset-mid-body", wallet);
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow();
    expect(
      await until(
        () => balanceOf(wallet),
        (b) => b === 5n,
      ),
    ).toBe(5n);
    expect(await refundsOf(wallet)).toBe(1);
  });

  it("aborts and refunds an answer that stalls past the endpoint's timeout", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 5n);
    const res = await call("/stall-mid-body", wallet, "k-stall");
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow();
    expect(
      await until(
        () => balanceOf(wallet),
        (b) => b === 5n,
      ),
    ).toBe(5n);
    expect(await refundsOf(wallet)).toBe(1);
    // The refund frees the key: a retry is a new call, charged once.
    const retry = await call("/echo", wallet, "k-stall");
    expect(retry.status).toBe(200);
    expect(retry.headers.get("x-credits-charged")).toBe("1");
    await retry.text();
    expect(await balanceOf(wallet)).toBe(4n);
  });

  it("keeps the charge when the caller, not the origin, hangs up mid-answer", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 5n);
    await new Promise<void>((resolve) => {
      const req = http.get(
        `${app.url}/e/${ep.slug}/download?mb=20`,
        { headers: { "x-wallet-address": wallet } },
        (res) =>
          res.once("data", () => {
            req.destroy();
            resolve();
          }),
      );
      req.on("error", () => {});
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(await balanceOf(wallet)).toBe(4n);
    expect(await refundsOf(wallet)).toBe(0);
  });

  it("keeps the ledger exact", async () => {
    expect(await checkLedger(app.ctx.db)).toMatchObject({ ok: true });
  });
});
