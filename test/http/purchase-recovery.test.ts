import { decodePaymentRequiredHeader } from "@x402/core/http";
import type { PaymentRequirements, SettleResponse } from "@x402/core/types";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { AppContext } from "@/lib/app/context";
import { checkLedger, getBalance } from "@/lib/ledger";
import { parsePayment } from "@/lib/purchase/payment-header";
import { reconcilePending } from "@/lib/purchase/reconcile";
import { requirementsFor } from "@/lib/purchase/requirements";
import { recordPending } from "@/lib/purchase/store";
import type { RunningApp } from "@/lib/server/start";
import { expectChainAndLedgerAgree } from "@/test/helpers/chain-audit";
import { createEndpoint } from "@/test/helpers/endpoints";
import { freePort } from "@/test/helpers/net";
import { fundedPayer, usdcBalance, v2Payment } from "@/test/helpers/payments";
import { startTestApp } from "@/test/helpers/server";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";

async function starterTerms(app: RunningApp, slug: string) {
  const url = `${app.url}/api/credits/purchase?endpoint=${slug}&pack=starter`;
  const res = await fetch(url, { method: "POST" });
  return {
    url,
    accepted: decodePaymentRequiredHeader(res.headers.get("payment-required") ?? "")
      .accepts[0] as PaymentRequirements,
  };
}
const credits = (ctx: AppContext, endpointId: number, wallet: string) =>
  getBalance(ctx.db, { endpointId, wallet: wallet.toLowerCase() });
const buy = (url: string, header: string) =>
  fetch(url, { method: "POST", headers: { "payment-signature": header } });

describe("a facilitator that is down", () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startTestApp({
      door: "fast",
      target,
      env: { FACILITATOR: `http://127.0.0.1:${await freePort()}`, FACILITATOR_TIMEOUT_MS: "1000" },
    });
  });
  afterAll(async () => {
    if (app) await expectChainAndLedgerAgree(app.ctx);
    await app?.close();
  });

  it("answers 503 facilitator_unavailable and records, settles and credits nothing", async () => {
    const ep = await createEndpoint(app.ctx, "http://127.0.0.1:9");
    const { url, accepted } = await starterTerms(app, ep.slug);
    const payer = await fundedPayer(app.ctx);
    const res = await buy(url, await v2Payment(payer, accepted));
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: "facilitator_unavailable" } });
    expect(await credits(app.ctx, ep.id, payer.address)).toBe(0n);
    expect(await usdcBalance(app.ctx, payer.address)).toBe(20_000_000n);
    expect(await checkLedger(app.ctx.db)).toMatchObject({ ok: true });
  });
});

describe("settlement outcomes the request never learns", () => {
  let app: RunningApp;
  let slowAfterSettle = false;

  beforeAll(async () => {
    app = await startTestApp({
      door: "fast",
      target,
      env: { FACILITATOR_TIMEOUT_MS: "300", RECONCILE_INTERVAL_MS: "200" },
      context: {
        // The transfer happens, but the answer arrives after the purchase gave up waiting.
        wrapFacilitator: (real) => ({
          ...real,
          async settle(payload, requirements) {
            const result = await real.settle(payload, requirements);
            if (slowAfterSettle) await new Promise((r) => setTimeout(r, 800));
            return result;
          },
        }),
      },
    });
  });
  afterAll(async () => {
    if (app) await expectChainAndLedgerAgree(app.ctx);
    await app?.close();
  });

  it("facilitator times out after settling → 202 pending → reconciled → credited once", async () => {
    const ep = await createEndpoint(app.ctx, "http://127.0.0.1:9");
    const { url, accepted } = await starterTerms(app, ep.slug);
    const payer = await fundedPayer(app.ctx);
    const header = await v2Payment(payer, accepted);
    slowAfterSettle = true;
    const res = await buy(url, header);
    expect(res.status).toBe(202);
    const pending = (await res.json()) as { status: string; paymentId: string };
    expect(pending.status).toBe("pending");
    expect(await credits(app.ctx, ep.id, payer.address)).toBe(0n);

    let status = "pending";
    for (const deadline = Date.now() + 10_000; status === "pending" && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 100));
      status = (
        (await (await fetch(`${app.url}/api/credits/purchases/${pending.paymentId}`)).json()) as {
          status: string;
        }
      ).status;
    }
    expect(status).toBe("settled");
    slowAfterSettle = false;
    expect(await credits(app.ctx, ep.id, payer.address)).toBe(100n);
    const again = await buy(url, header);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ credits: 100, purchased: { pack: "starter" } });
    expect(await credits(app.ctx, ep.id, payer.address)).toBe(100n);
    expect(await usdcBalance(app.ctx, payer.address)).toBe(19_000_000n);
    expect(await checkLedger(app.ctx.db)).toMatchObject({ ok: true });
  });

  it("process killed between settle and credit → the reconciler credits it once", async () => {
    const ep = await createEndpoint(app.ctx, "http://127.0.0.1:9");
    const resolved = await app.ctx.endpoints.get(ep.slug);
    const pack = resolved?.packs.find((p) => p.id === "starter");
    if (!resolved || !pack) throw new Error("endpoint not resolved");
    const { accepted } = await starterTerms(app, ep.slug);
    const payer = await fundedPayer(app.ctx);
    const presented = parsePayment({ version: 2, value: await v2Payment(payer, accepted) });
    const requirements = requirementsFor(app.ctx, resolved, pack, 2);
    // Exactly what a purchase leaves behind when the process dies after the transfer:
    // the pending row, the transfer on chain, and no credit.
    await recordPending(app.ctx.db, {
      network: app.ctx.payments.network,
      asset: app.ctx.payments.asset.address.toLowerCase(),
      payer: payer.address.toLowerCase(),
      nonce: presented.authorization.nonce.toLowerCase(),
      endpointId: ep.id,
      packId: pack.id,
      credits: pack.credits,
      payTo: resolved.payTo,
      amount: pack.price,
      payload: { version: 2, payload: presented.payload, requirements },
    });
    const settled = await app.ctx.chain.facilitator.settle(presented.payload, requirements);
    expect(settled.success).toBe(true);
    expect(await credits(app.ctx, ep.id, payer.address)).toBe(0n);

    // What the restarted process runs first.
    const tally = await reconcilePending(app.ctx, 0);
    expect(tally.settled).toBeGreaterThanOrEqual(1);
    await reconcilePending(app.ctx, 0);
    expect(await credits(app.ctx, ep.id, payer.address)).toBe(100n);
    expect(await usdcBalance(app.ctx, payer.address)).toBe(19_000_000n);
    expect(await checkLedger(app.ctx.db)).toMatchObject({ ok: true });
  });
});

describe("a remote facilitator's failure answers after it broadcast", () => {
  let app: RunningApp;
  let answer: ((settled: SettleResponse) => SettleResponse) | undefined;

  beforeAll(async () => {
    app = await startTestApp({
      door: "fast",
      target,
      env: { FACILITATOR_TIMEOUT_MS: "1000", RECONCILE_INTERVAL_MS: "200" },
      context: {
        // Seen from outside, as a remote facilitator is: only its answers, no RPC calls.
        wrapFacilitator: (real) => ({
          ...real,
          observable: false,
          async settle(payload, requirements) {
            const result = await real.settle(payload, requirements);
            return answer ? answer(result) : result;
          },
        }),
      },
    });
  });
  afterAll(async () => {
    if (app) await expectChainAndLedgerAgree(app.ctx);
    await app?.close();
  });

  const answers: [string, (settled: SettleResponse) => SettleResponse][] = [
    [
      "settlement_pending with the hash",
      (s) => ({ ...s, success: false, errorReason: "settlement_pending" }),
    ],
    [
      "transaction_failed without a hash (its broadcast answer was lost)",
      (s) => ({
        ...s,
        success: false,
        transaction: "",
        errorReason: "invalid_exact_evm_transaction_failed",
        errorMessage: "HTTP request failed. URL: https://rpc.example/v2/SECRETKEY",
      }),
    ],
  ];

  it.each(answers)("%s → 202 pending, then credited exactly once", async (_name, fake) => {
    const ep = await createEndpoint(app.ctx, "http://127.0.0.1:9");
    const { url, accepted } = await starterTerms(app, ep.slug);
    const payer = await fundedPayer(app.ctx);
    const header = await v2Payment(payer, accepted);
    answer = fake;
    const res = await buy(url, header);
    answer = undefined;
    const text = await res.text();
    expect(res.status).toBe(202);
    expect(text).not.toContain("SECRETKEY");
    const deadline = Date.now() + 10_000;
    while ((await credits(app.ctx, ep.id, payer.address)) === 0n && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(await credits(app.ctx, ep.id, payer.address)).toBe(100n);
    const again = await buy(url, header);
    expect(again.status).toBe(200);
    expect(await usdcBalance(app.ctx, payer.address)).toBe(19_000_000n);
  });
});
