import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningApp } from "@/lib/server/start";
import { type ProxiedChainApp, startAppBehindRpcProxy } from "@/test/helpers/proxied-chain";
import { startTestApp } from "@/test/helpers/server";
import { startAppBehindDatabaseProxy } from "@/test/helpers/tcp-proxy";

const onPostgres = inject("dbTargets").includes("postgres");
const target = onPostgres ? "postgres" : "pglite";

interface ReadyBody {
  status: string;
  checks: Record<"database" | "migrations" | "chain" | "draining", string>;
}

const get = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as ReadyBody, headers: res.headers };
};

/** Polls /readyz (the probe caches for about a second) until it answers `status`. */
async function readyzUntil(base: string, status: number, withinMs = 10_000) {
  let answer = await get(`${base}/readyz`);
  for (
    const deadline = Date.now() + withinMs;
    answer.status !== status && Date.now() < deadline;
  ) {
    await new Promise((r) => setTimeout(r, 100));
    answer = await get(`${base}/readyz`);
  }
  return answer;
}

const ALL_OK = { database: "ok", migrations: "ok", chain: "ok", draining: "ok" };

describe.each(["fast", "next"] as const)("/healthz and /readyz (%s door)", (door) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startTestApp({ door, target });
  });
  afterAll(() => app?.close());

  it("/healthz: the process is alive", async () => {
    const res = await get(`${app.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("/readyz: 200 naming each check; 503 once draining, at once", async () => {
    const ready = await get(`${app.url}/readyz`);
    expect(ready).toMatchObject({ status: 200, body: { status: "ready", checks: ALL_OK } });
    app.ctx.draining = true;
    try {
      const draining = await get(`${app.url}/readyz`);
      expect(draining).toMatchObject({
        status: 503,
        body: { status: "not_ready", checks: { ...ALL_OK, draining: "draining" } },
      });
      // Alive all the same: a draining process is not restarted.
      expect((await get(`${app.url}/healthz`)).status).toBe(200);
    } finally {
      app.ctx.draining = false;
    }
    expect((await get(`${app.url}/readyz`)).status).toBe(200);
  });

  it("answers other methods with 405", async () => {
    const res = await fetch(`${app.url}/readyz`, { method: "POST" });
    expect(res.status).toBe(405);
  });
});

describe.runIf(onPostgres)("/readyz when the database goes away", () => {
  let setup: Awaited<ReturnType<typeof startAppBehindDatabaseProxy>>;
  beforeAll(async () => {
    setup = await startAppBehindDatabaseProxy();
  });
  afterAll(() => setup?.close());

  it("503 naming the database while it is unreachable, 200 again once it is back", async () => {
    const base = setup.app.url;
    expect(await readyzUntil(base, 200)).toMatchObject({ status: 200, body: { checks: ALL_OK } });
    await setup.proxy.down();
    const down = await readyzUntil(base, 503, 5_000);
    expect(down.status).toBe(503);
    expect(down.body.status).toBe("not_ready");
    expect(["unreachable", "timeout"]).toContain(down.body.checks.database);
    expect(down.body.checks.chain).toBe("ok");
    expect(JSON.stringify(down.body)).not.toMatch(/ECONN|postgres|127\.0\.0\.1/i);
    expect((await get(`${base}/healthz`)).status).toBe(200);
    await setup.proxy.restore();
    const back = await readyzUntil(base, 200, 20_000);
    expect(back).toMatchObject({ status: 200, body: { status: "ready", checks: ALL_OK } });
  });
});

describe("/readyz when the chain RPC fails", () => {
  let chain: ProxiedChainApp;
  beforeAll(async () => {
    chain = await startAppBehindRpcProxy({ target });
  });
  afterAll(() => chain?.close());

  it("polling every 50 ms for 2 s asks the chain about twice, not 40 times", async () => {
    expect((await readyzUntil(chain.app.url, 200)).status).toBe(200);
    const before = chain.proxy.calls("eth_chainId");
    const answers: number[] = [];
    for (const end = Date.now() + 2_000; Date.now() < end; ) {
      answers.push((await get(`${chain.app.url}/readyz`)).status);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(answers.length).toBeGreaterThan(20);
    expect(answers.every((s) => s === 200)).toBe(true);
    const probes = chain.proxy.calls("eth_chainId") - before;
    expect(probes).toBeGreaterThanOrEqual(1);
    expect(probes).toBeLessThanOrEqual(3);
  });

  it.each([
    ["refuses", { kind: "refuse" } as const, ["unreachable", "timeout"]],
    ["hangs", { kind: "delay", ms: 3_000 } as const, ["timeout"]],
    ["is another chain", { kind: "corrupt", result: "0x1" } as const, ["wrong_chain"]],
  ])("503 while the RPC %s, 200 once it answers again", async (_what, fault, expected) => {
    const base = chain.app.url;
    expect((await readyzUntil(base, 200)).status).toBe(200);
    chain.proxy.inject("eth_chainId", fault, { times: Number.POSITIVE_INFINITY });
    try {
      const failing = await readyzUntil(base, 503, 5_000);
      expect(failing.status).toBe(503);
      expect(expected).toContain(failing.body.checks.chain);
      expect(failing.body.checks.database).toBe("ok");
    } finally {
      chain.proxy.clear();
    }
    expect((await readyzUntil(base, 200, 10_000)).status).toBe(200);
  });
});
