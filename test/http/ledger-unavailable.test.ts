import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { getBalance } from "@/lib/ledger";
import type { RunningApp } from "@/lib/server/start";
import { createEndpoint, fundedWallet } from "@/test/helpers/endpoints";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import { startAppBehindDatabaseProxy } from "@/test/helpers/tcp-proxy";
import { until } from "@/test/helpers/until";

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

  it("a refund the ledger cannot take is kept, said so, and applied once the ledger is back", async () => {
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
    // Never claims a refund that did not happen: still charged, the refund is pending.
    expect(res.headers.get("x-credits-charged")).toBe("1");
    expect(await res.json()).toMatchObject({
      error: { code: "origin_timeout", refunded: 0, refundPending: true },
    });
    expect(await app.ctx.refunds.pendingCount()).toBe(1);
    expect(await getBalance(direct.db, { endpointId: ep.id, wallet })).toBe(9n);

    proxy.restore();
    const balance = () => getBalance(direct.db, { endpointId: ep.id, wallet });
    expect(await until(balance, (b) => b === 10n, 15_000, 200)).toBe(10n);
    expect(await app.ctx.refunds.pendingCount()).toBe(0);
    await app.ctx.refunds.drain(); // applying it again changes nothing
    expect(await getBalance(direct.db, { endpointId: ep.id, wallet })).toBe(10n);
  });

  it("refunds on a fresh connection when the pooled ones were closed under it", async () => {
    proxy.restore();
    await new Promise((r) => setTimeout(r, 1_100));
    const ep = await createEndpoint(app.ctx, origin.url, { timeoutMs: 400 });
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    for (let i = 0; i < 3; i++) {
      const pending = fetch(`${app.url}/e/${ep.slug}/slow?ms=1000`, {
        headers: { "x-wallet-address": wallet },
      });
      await new Promise((r) => setTimeout(r, 150)); // debited, waiting on the origin
      // A blip: every pooled connection is dropped, and the database is back at once.
      proxy.cut();
      await proxy.restore();
      const res = await pending;
      expect(res.status).toBe(504);
      expect(res.headers.get("x-credits-charged")).toBe("0");
      expect(await res.json()).toMatchObject({ error: { code: "origin_timeout", refunded: 1 } });
      await new Promise((r) => setTimeout(r, 1_100));
    }
    expect(await getBalance(direct.db, { endpointId: ep.id, wallet })).toBe(10n);
    expect(await app.ctx.refunds.pendingCount()).toBe(0);
  });

  it("a debit whose answer was lost mid-commit is refunded once it is known to have committed", async () => {
    proxy.restore();
    await new Promise((r) => setTimeout(r, 1_100));
    const ep = await createEndpoint(app.ctx, origin.url);
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const call = () =>
      fetch(`${app.url}/e/${ep.slug}/x`, { headers: { "x-wallet-address": wallet } });
    // Every pooled connection open, so the debit goes down one whose answers get lost.
    await Promise.all(Array.from({ length: 8 }, () => call().then((r) => r.text())));
    const before = await getBalance(direct.db, { endpointId: ep.id, wallet });
    const hits = origin.hits();

    proxy.loseAnswers();
    const pending = call();
    await new Promise((r) => setTimeout(r, 300)); // the debit commits; its answer is lost
    proxy.cut();
    const res = await pending;
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("ledger_unavailable");
    expect(body.error.message).toMatch(/refunded automatically/);
    expect(origin.hits()).toBe(hits);
    expect(await getBalance(direct.db, { endpointId: ep.id, wallet })).toBe(before - 1n);

    await proxy.restore();
    const balance = () => getBalance(direct.db, { endpointId: ep.id, wallet });
    expect(await until(balance, (b) => b === before, 15_000, 200)).toBe(before);
  });
});
