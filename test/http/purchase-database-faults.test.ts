import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { getBalance } from "@/lib/ledger";
import type { RunningApp } from "@/lib/server/start";
import { expectChainAndLedgerAgree, purchaseEntries } from "@/test/helpers/chain-audit";
import { createEndpoint } from "@/test/helpers/endpoints";
import { fundedPayer, usdcBalance, v2Payment } from "@/test/helpers/payments";
import { packTerms } from "@/test/helpers/proxied-chain";
import { startAppBehindDatabaseProxy } from "@/test/helpers/tcp-proxy";

const hasPostgres = inject("dbTargets").includes("postgres");

// The app reaches PostgreSQL through a TCP proxy the test cuts at the exact step it wants.
describe.runIf(hasPostgres)("purchases when the database goes away", () => {
  let behind: Awaited<ReturnType<typeof startAppBehindDatabaseProxy>>;
  let app: RunningApp;
  let direct: typeof behind.direct;
  let proxy: typeof behind.proxy;
  let cutAfterSettle = false;

  beforeAll(async () => {
    behind = await startAppBehindDatabaseProxy({
      env: { FACILITATOR_TIMEOUT_MS: "1000", RECONCILE_INTERVAL_MS: "250" },
      context: {
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
    });
    ({ app, direct, proxy } = behind);
  });
  afterAll(async () => {
    proxy?.restore();
    if (app) await expectChainAndLedgerAgree(app.ctx);
    await behind?.close();
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
