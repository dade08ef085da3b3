import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openDatabase } from "@/db";
import { loadConfig } from "@/lib/config";
import { getBalance } from "@/lib/ledger";
import { type RunningApp, startApp } from "@/lib/server/start";
import { expectChainAndLedgerAgree, purchaseEntries } from "@/test/helpers/chain-audit";
import { openTestDatabase } from "@/test/helpers/databases";
import { createEndpoint } from "@/test/helpers/endpoints";
import { fundedPayer, usdcBalance, v2Payment } from "@/test/helpers/payments";
import { packTerms } from "@/test/helpers/proxied-chain";
import { startTcpProxy } from "@/test/helpers/tcp-proxy";

const hasPostgres = inject("dbTargets").includes("postgres");

// The app reaches PostgreSQL through a TCP proxy the test cuts at the exact step it wants.
describe.runIf(hasPostgres)("purchases when the database goes away", () => {
  let app: RunningApp;
  let direct: Awaited<ReturnType<typeof openTestDatabase>>;
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let cutAfterSettle = false;

  beforeAll(async () => {
    direct = await openTestDatabase("postgres");
    const url = new URL(direct.url as string);
    proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
    url.hostname = "127.0.0.1";
    url.port = String(proxy.port);
    const viaProxy = await openDatabase({ kind: "postgres", url: url.toString(), poolMax: 4 });
    const config = loadConfig({
      HOST: "127.0.0.1",
      SEED_DEMO: "false",
      NODE_ENV: "test",
      ANVIL_PORT: "0",
      FACILITATOR_TIMEOUT_MS: "1000",
      RECONCILE_INTERVAL_MS: "250",
      DATA_DIR: mkdtempSync(path.join(tmpdir(), "x402-pdb-")),
    });
    app = await startApp(
      { ...config, port: 0 },
      {
        database: viaProxy,
        // The transfer is mined; the database dies before the credit is written.
        wrapFacilitator: (real) => ({
          ...real,
          async settle(payload, requirements) {
            const result = await real.settle(payload, requirements);
            if (cutAfterSettle) proxy.cut();
            return result;
          },
        }),
      },
    );
  });
  afterAll(async () => {
    proxy?.restore();
    if (app) await expectChainAndLedgerAgree(app.ctx);
    await app?.close();
    await proxy?.close();
    await direct?.close();
  });

  it("dying between settle and credit → 202 pending with the payment id, then credited once", async () => {
    const ep = await createEndpoint(app.ctx, "http://127.0.0.1:9");
    const { url, accepted } = await packTerms(app, ep.slug);
    const payer = await fundedPayer(app.ctx);
    cutAfterSettle = true;
    const res = await fetch(url, {
      method: "POST",
      headers: { "payment-signature": await v2Payment(payer, accepted) },
    });
    cutAfterSettle = false;
    expect(res.status).toBe(202);
    const body = (await res.json()) as { status: string; paymentId: string };
    expect(body).toMatchObject({ status: "pending", paymentId: expect.any(String) });
    expect(await usdcBalance(app.ctx, payer.address)).toBe(19_000_000n);

    proxy.restore();
    const wallet = payer.address.toLowerCase();
    const deadline = Date.now() + 15_000;
    while (
      (await getBalance(direct.db, { endpointId: ep.id, wallet })) === 0n &&
      Date.now() < deadline
    )
      await new Promise((r) => setTimeout(r, 100));
    expect(await getBalance(direct.db, { endpointId: ep.id, wallet })).toBe(100n);
    expect(await purchaseEntries(app.ctx, ep.id, payer.address)).toHaveLength(1);
  });

  it("a purchase during an outage → 503 with Retry-After, and no USDC moves", async () => {
    const ep = await createEndpoint(app.ctx, "http://127.0.0.1:9");
    const { url, accepted } = await packTerms(app, ep.slug);
    const payer = await fundedPayer(app.ctx);
    const header = await v2Payment(payer, accepted);
    proxy.cut();
    const res = await fetch(url, { method: "POST", headers: { "payment-signature": header } });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await res.json()) as { error: { code: string } }).error.code).toMatch(/unavailable/);
    expect(await usdcBalance(app.ctx, payer.address)).toBe(20_000_000n);

    proxy.restore();
    let status = 0;
    for (const deadline = Date.now() + 10_000; status !== 200 && Date.now() < deadline; ) {
      status = (await fetch(url, { method: "POST", headers: { "payment-signature": header } }))
        .status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
  });
});
