import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { eq } from "drizzle-orm";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { endpoints, payments } from "@/db/schema";
import { credit } from "@/lib/ledger";
import type { RunningApp } from "@/lib/server/start";
import { openTestDatabase } from "@/test/helpers/databases";
import { createEndpoint, fundedWallet } from "@/test/helpers/endpoints";
import { randomWallet } from "@/test/helpers/fixtures";
import { freePort } from "@/test/helpers/net";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import { fundedPayer, newAccount } from "@/test/helpers/payments";
import { parseMetrics } from "@/test/helpers/prometheus";
import { startTestApp } from "@/test/helpers/server";
import { until } from "@/test/helpers/until";

const onPostgres = inject("dbTargets").includes("postgres");
const target = onPostgres ? "postgres" : "pglite";
const TOKEN = "metrics-token-0123456789abcdef-0123456789";

describe("GET /metrics with METRICS_TOKEN, after real traffic", () => {
  let app: RunningApp;
  let origin: Origin;
  const scrape = async () => {
    const res = await fetch(`${app.url}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    return parseMetrics(await res.text());
  };

  beforeAll(async () => {
    origin = await startOrigin();
    app = await startTestApp({
      door: "fast",
      target,
      env: { METRICS_TOKEN: TOKEN, RECONCILE_INTERVAL_MS: "200" },
    });
  });
  afterAll(async () => {
    await app?.close();
    await origin?.close();
  });

  it("refuses callers without the token, or with another one (401)", async () => {
    const without = await fetch(`${app.url}/metrics`);
    expect(without.status).toBe(401);
    expect(without.headers.get("www-authenticate")).toContain("Bearer");
    expect(((await without.json()) as { error: { code: string } }).error.code).toBe(
      "authentication_required",
    );
    const wrong = await fetch(`${app.url}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}x` },
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain("x402_");
  });

  it("counts every family: requests, gateway outcomes, refunds, debits, purchases, reconciler, process", async () => {
    const ep = await createEndpoint(app.ctx, origin.url, { refundOnError: true });
    const call = (wallet: string, tail = "echo", headers: Record<string, string> = {}) =>
      fetch(`${app.url}/e/${ep.slug}/${tail}`, {
        headers: { "x-wallet-address": wallet, ...headers },
      }).then(async (r) => {
        await r.arrayBuffer();
        return r.status;
      });
    // A pending payment recorded an hour ago, left alone by the reconciler (updated now).
    await app.ctx.db.insert(payments).values({
      endpointId: ep.id,
      packId: "starter",
      credits: 100n,
      network: "eip155:31337",
      asset: app.ctx.payments.asset.address.toLowerCase(),
      payer: randomWallet(),
      payTo: ep.payTo,
      amount: 1_000_000n,
      nonce: `0x${"ab".repeat(32)}`,
      payload: {},
      createdAt: new Date(Date.now() - 3_600_000),
    });
    const before = await scrape();

    const rich = await fundedWallet(app.ctx, ep.id, 10n);
    expect(await call(rich)).toBe(200);
    expect(await call(randomWallet())).toBe(402);
    expect(await call(rich, "fail")).toBe(500);
    const keyed = { "idempotency-key": `k-${Date.now()}` };
    expect(await call(rich, "echo", keyed)).toBe(200);
    expect(await call(rich, "echo", keyed)).toBe(200);

    const payer = await fundedPayer(app.ctx);
    const client = new x402Client().register("eip155:31337", new ExactEvmScheme(payer));
    client.setSpendControls({
      allowedAssets: [{ network: "eip155:31337", asset: app.ctx.payments.asset.address }],
    });
    const bought = await wrapFetchWithPayment(fetch, client)(
      `${app.url}/api/credits/purchase?endpoint=${ep.slug}&pack=starter`,
      { method: "POST" },
    );
    expect(bought.status).toBe(200);

    const runsBefore = before.value("x402_reconciler_runs_total", { result: "ok" });
    const after = await until(
      scrape,
      (m) => {
        const runs = m.value("x402_reconciler_runs_total", { result: "ok" });
        return runs > runsBefore && m.value("x402_oldest_pending_payment_age_seconds") > 0;
      },
      20_000,
      100,
    );
    const delta = (name: string, labels: Record<string, string> = {}) =>
      after.value(name, labels) - before.value(name, labels);
    const countDelta = (name: string, labels: Record<string, string> = {}) =>
      after.count(name, labels) - before.count(name, labels);

    const requests = "x402_http_request_duration_seconds";
    expect(after.typeOf(requests)).toBe("HISTOGRAM");
    expect(countDelta(requests, { route: "/e/:slug", method: "GET", status: "200" })).toBe(3);
    expect(countDelta(requests, { route: "/e/:slug", method: "GET", status: "402" })).toBe(1);
    expect(countDelta(requests, { route: "/e/:slug", method: "GET", status: "500" })).toBe(1);
    expect(countDelta(requests, { route: "/api/credits/purchase", method: "POST" })).toBe(2);
    // Labels never carry the slug or the raw path.
    const routes = after.labelValues(requests, "route");
    expect(routes).toContain("/api/credits/purchase");
    expect(routes.join()).not.toContain(ep.slug);

    expect(delta("x402_gateway_calls_total", { outcome: "served" })).toBe(3);
    expect(delta("x402_gateway_calls_total", { outcome: "payment_required" })).toBe(1);
    expect(delta("x402_gateway_calls_total", { outcome: "replayed" })).toBe(1);
    expect(delta("x402_gateway_refunds_total", { reason: "origin_5xx" })).toBe(1);

    expect(delta("x402_debits_total", { result: "applied" })).toBe(3);
    expect(delta("x402_debits_total", { result: "replayed" })).toBe(1);
    expect(delta("x402_debits_total", { result: "insufficient" })).toBe(1);
    expect(after.typeOf("x402_debit_batch_size")).toBe("HISTOGRAM");
    expect(countDelta("x402_debit_batch_size")).toBeGreaterThanOrEqual(1);

    expect(delta("x402_purchases_total", { outcome: "settled" })).toBe(1);
    expect(countDelta("x402_settlement_duration_seconds", { result: "settled" })).toBe(1);

    expect(delta("x402_reconciler_runs_total", { result: "ok" })).toBeGreaterThanOrEqual(1);
    const age = after.value("x402_oldest_pending_payment_age_seconds");
    expect(age).toBeGreaterThan(3_590);
    expect(age).toBeLessThan(3_700);

    expect(after.value("process_resident_memory_bytes")).toBeGreaterThan(10 * 2 ** 20);
    expect(after.typeOf("nodejs_eventloop_lag_seconds")).toBe("GAUGE");
    expect(after.value("nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
    expect(after.value("x402_metrics_processes")).toBe(1);
  });
});

describe("GET /metrics with neither METRICS_TOKEN nor METRICS_PORT (Next's door)", () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startTestApp({ door: "next", target });
  });
  afterAll(() => app?.close());

  it("does not exist: 404, with or without a bearer", async () => {
    const tries: Record<string, string>[] = [{}, { authorization: `Bearer ${TOKEN}` }];
    for (const headers of tries) {
      const res = await fetch(`${app.url}/metrics`, { headers });
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain("x402_");
    }
  });
});

// The production cluster: a primary and two workers; the primary sums all three on scrape.
describe.runIf(onPostgres)(
  "metrics of a WORKERS=2 cluster on METRICS_PORT",
  { timeout: 180_000 },
  () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "x402-metrics-cluster-"));
    let database: Awaited<ReturnType<typeof openTestDatabase>>;
    let child: ChildProcess;
    let output = "";
    let url = "";
    let metricsUrl = "";

    beforeAll(async () => {
      database = await openTestDatabase("postgres");
      const port = await freePort();
      const metricsPort = await freePort();
      url = `http://127.0.0.1:${port}`;
      metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
      child = spawn(process.execPath, ["scripts/start.mjs"], {
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "",
          DATABASE_URL: database.url ?? "",
          PORT: String(port),
          HOST: "127.0.0.1",
          DATA_DIR: dataDir,
          ANVIL_PORT: "0",
          SEED_DEMO: "true",
          WORKERS: "2",
          METRICS_PORT: String(metricsPort),
        } as Record<string, string> as NodeJS.ProcessEnv,
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout?.on("data", (d) => (output += d));
      child.stderr?.on("data", (d) => (output += d));
      for (const deadline = Date.now() + 150_000; !output.includes("is running"); ) {
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`no start:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }, 160_000);

    afterAll(async () => {
      // SIGTERM: the primary stops its workers and the devnet's anvil (SIGKILL orphans it).
      if (child?.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(timer);
      }
      await database?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("serves /metrics on its own port only: the public port answers 404", async () => {
      expect((await fetch(`${url}/metrics`)).status).toBe(404);
      expect((await fetch(metricsUrl)).status).toBe(200);
      expect((await fetch(metricsUrl.replace("/metrics", "/"))).status).toBe(404);
    });

    it("sums the workers' gateway counts and the primary's purchases, counting relays once", async () => {
      const [demo] = await database.db.select().from(endpoints).where(eq(endpoints.slug, "demo"));
      const endpointId = demo?.id ?? 0;
      const wallet = newAccount().address.toLowerCase();
      const calls = 40;
      await credit(database.db, { endpointId, wallet, credits: 1_000n, kind: "grant" });
      const before = parseMetrics(await (await fetch(metricsUrl)).text());
      // A connection each: the cluster hands new connections to its workers in turn.
      const once = (path: string, headers: Record<string, string> = {}) =>
        request(`${url}${path}`, { headers, reset: true }).then(async (r) => {
          await r.body.dump();
          return r.statusCode;
        });
      const statuses = await Promise.all(
        Array.from({ length: calls }, () => once("/e/demo/echo", { "x-wallet-address": wallet })),
      );
      expect(statuses.every((s) => s === 200)).toBe(true);
      for (let i = 0; i < 3; i++) expect(await once("/api/config")).toBe(200);
      expect(await once("/healthz")).toBe(200);
      expect(await once("/readyz")).toBe(200);

      const buyer = newAccount();
      const faucet = await fetch(`${url}/api/dev/faucet`, {
        method: "POST",
        body: JSON.stringify({ address: buyer.address, amount: "5" }),
      });
      expect(faucet.status).toBe(200);
      const { asset } = (await (await fetch(`${url}/api/config`)).json()) as {
        asset: { address: string };
      };
      const client = new x402Client().register("eip155:31337", new ExactEvmScheme(buyer));
      client.setSpendControls({
        allowedAssets: [{ network: "eip155:31337", asset: asset.address }],
      });
      const bought = await wrapFetchWithPayment(fetch, client)(
        `${url}/api/credits/purchase?endpoint=demo&pack=starter`,
        { method: "POST" },
      );
      expect(bought.status).toBe(200);

      const after = parseMetrics(await (await fetch(metricsUrl)).text());
      const delta = (name: string, labels: Record<string, string> = {}) =>
        after.value(name, labels) - before.value(name, labels);
      const countDelta = (name: string, labels: Record<string, string> = {}) =>
        after.count(name, labels) - before.count(name, labels);
      expect(after.value("x402_metrics_processes")).toBe(3);
      expect(delta("x402_gateway_calls_total", { outcome: "served" })).toBe(calls);
      expect(delta("x402_debits_total", { result: "applied" })).toBe(calls);
      const requests = "x402_http_request_duration_seconds";
      expect(countDelta(requests, { route: "/e/:slug", status: "200" })).toBe(calls);
      // Relayed to the primary, counted once: by the worker that faced the caller.
      expect(countDelta(requests, { route: "/api/config", status: "200" })).toBe(4);
      expect(countDelta(requests, { route: "/readyz", status: "200" })).toBe(1);
      expect(delta("x402_purchases_total", { outcome: "settled" })).toBe(1);
      expect(after.value("process_resident_memory_bytes")).toBeGreaterThan(3 * 10 * 2 ** 20);
    });
  },
);
