import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { getBalance } from "@/lib/ledger";
import type { RunningApp } from "@/lib/server/start";
import { createEndpoint, fundedWallet } from "@/test/helpers/endpoints";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import { startAppBehindDatabaseProxy } from "@/test/helpers/tcp-proxy";

const hasPostgres = inject("dbTargets").includes("postgres");

// Needs a database behind a network connection that can be cut: the PostgreSQL server.
describe.runIf(hasPostgres)("gateway with the ledger unreachable", () => {
  let app: RunningApp;
  let origin: Origin;
  let direct: Awaited<ReturnType<typeof startAppBehindDatabaseProxy>>["direct"];
  let proxy: Awaited<ReturnType<typeof startAppBehindDatabaseProxy>>["proxy"];
  let behind: Awaited<ReturnType<typeof startAppBehindDatabaseProxy>>;

  beforeAll(async () => {
    origin = await startOrigin();
    behind = await startAppBehindDatabaseProxy();
    ({ app, proxy, direct } = behind);
  });
  afterAll(async () => {
    await behind?.close();
    await origin?.close();
  });

  it("fails closed with 503 ledger_unavailable and never calls the origin; recovers after", async () => {
    const ep = await createEndpoint(app.ctx, origin.url);
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const call = () =>
      fetch(`${app.url}/e/${ep.slug}/x`, { headers: { "x-wallet-address": wallet } });
    expect((await call()).status).toBe(200);

    proxy.cut();
    const hits = origin.hits();
    for (let i = 0; i < 20; i++) {
      const started = Date.now();
      const res = await call();
      // Fail fast: the breaker answers at once instead of waiting out reconnect backoff.
      if (i > 0) expect(Date.now() - started).toBeLessThan(200);
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("1");
      expect(await res.json()).toMatchObject({ error: { code: "ledger_unavailable" } });
    }
    expect(origin.hits()).toBe(hits);

    proxy.restore();
    let status = 0;
    for (const deadline = Date.now() + 5_000; status !== 200 && Date.now() < deadline; ) {
      status = (await call()).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    expect(await getBalance(direct.db, { endpointId: ep.id, wallet })).toBe(8n);
  });

  it("a refund the ledger cannot take still answers the origin's error, marked as charged", async () => {
    proxy.restore();
    await new Promise((r) => setTimeout(r, 1_100)); // let the breaker close
    const ep = await createEndpoint(app.ctx, origin.url, { timeoutMs: 400 });
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const pending = fetch(`${app.url}/e/${ep.slug}/slow?ms=1500`, {
      headers: { "x-wallet-address": wallet },
    });
    await new Promise((r) => setTimeout(r, 150)); // debited, now waiting on the origin
    proxy.cut();
    const res = await pending;
    expect(res.status).toBe(504);
    expect(res.headers.get("x-credits-charged")).toBe("1");
    expect(await res.json()).toMatchObject({ error: { code: "origin_timeout", refunded: 0 } });
    proxy.restore();
  });
});
