import { decodePaymentRequiredHeader } from "@x402/core/http";
import type { PaymentRequirements } from "@x402/core/types";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { decodePaymentResponseHeader, wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { payments } from "@/db/schema";
import { checkLedger, getBalance } from "@/lib/ledger";
import type { RunningApp } from "@/lib/server/start";
import { expectChainAndLedgerAgree } from "@/test/helpers/chain-audit";
import { createEndpoint } from "@/test/helpers/endpoints";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import {
  fundedPayer,
  handSignedPayment,
  newAccount,
  usdcBalance,
  v2Payment,
} from "@/test/helpers/payments";
import { startTestApp } from "@/test/helpers/server";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";

describe("buying credit packs with x402 on the devnet", () => {
  let app: RunningApp;
  let origin: Origin;
  let ep: Awaited<ReturnType<typeof createEndpoint>>;
  let starter: PaymentRequirements;
  let purchaseUrl: string;

  const credits = (wallet: string, endpointId = ep.id) =>
    getBalance(app.ctx.db, { endpointId, wallet: wallet.toLowerCase() });
  const buy = (header: string, url = purchaseUrl) =>
    fetch(url, { method: "POST", headers: { "payment-signature": header } });

  beforeAll(async () => {
    origin = await startOrigin();
    app = await startTestApp({ door: "fast", target });
    ep = await createEndpoint(app.ctx, origin.url);
    purchaseUrl = `${app.url}/api/credits/purchase?endpoint=${ep.slug}&pack=starter`;
    const challenge = await fetch(purchaseUrl, { method: "POST" });
    expect(challenge.status).toBe(402);
    const required = decodePaymentRequiredHeader(challenge.headers.get("payment-required") ?? "");
    starter = required.accepts[0] as PaymentRequirements;
  });
  afterAll(async () => {
    if (app) await expectChainAndLedgerAgree(app.ctx);
    await app?.close();
    await origin?.close();
  });

  it("the official @x402/fetch (v2) client buys a pack; the payee gets exactly the price", async () => {
    const payer = await fundedPayer(app.ctx);
    const client = new x402Client().register("eip155:31337", new ExactEvmScheme(payer));
    client.setSpendControls({
      allowedAssets: [{ network: "eip155:31337", asset: app.ctx.payments.asset.address }],
    });
    const before = await usdcBalance(app.ctx, ep.payTo);
    const res = await wrapFetchWithPayment(fetch, client)(purchaseUrl, { method: "POST" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { credits: number; purchased: { transaction: string } };
    expect(body).toMatchObject({
      credits: 100,
      endpoint: ep.slug,
      purchased: {
        pack: "starter",
        credits: 100,
        amount: "1000000",
        network: "eip155:31337",
        payer: payer.address,
      },
    });
    expect(body.purchased.transaction).toMatch(/^0x[0-9a-f]{64}$/);
    const receipt = decodePaymentResponseHeader(res.headers.get("payment-response") ?? "");
    expect(receipt).toMatchObject({ success: true, transaction: body.purchased.transaction });
    expect((await usdcBalance(app.ctx, ep.payTo)) - before).toBe(1_000_000n);
    expect(await credits(payer.address)).toBe(100n);
    const status = await (
      await fetch(
        `${app.url}/api/credits/purchases/${(body as unknown as { paymentId: string }).paymentId}`,
      )
    ).json();
    expect(status).toMatchObject({ status: "settled", transaction: body.purchased.transaction });
  });

  it("a plain x402 client pays the gateway's 402 and is served (pay-and-call)", async () => {
    const payer = await fundedPayer(app.ctx);
    const client = new x402Client().register("eip155:31337", new ExactEvmScheme(payer));
    client.setSpendControls({
      allowedAssets: [{ network: "eip155:31337", asset: app.ctx.payments.asset.address }],
    });
    const hits = origin.hits();
    const res = await wrapFetchWithPayment(fetch, client)(`${app.url}/e/${ep.slug}/echo`);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-credits-charged")).toBe("1");
    expect(res.headers.get("x-credits-remaining")).toBe("99");
    expect(decodePaymentResponseHeader(res.headers.get("payment-response") ?? "")).toMatchObject({
      success: true,
    });
    expect(origin.hits()).toBe(hits + 1);
    expect(await credits(payer.address)).toBe(99n);
  });

  it("the same payment presented again gets the same answer and is credited once", async () => {
    const payer = await fundedPayer(app.ctx);
    const header = await v2Payment(payer, starter);
    const first = await buy(header);
    const again = await buy(header);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(await first.json());
    expect(await credits(payer.address)).toBe(100n);
    expect(await usdcBalance(app.ctx, payer.address)).toBe(19_000_000n);
  });

  it("the same authorization sent 20 times at once is settled and credited once", async () => {
    const payer = await fundedPayer(app.ctx);
    const header = await v2Payment(payer, starter);
    const before = await usdcBalance(app.ctx, ep.payTo);
    const answers = await Promise.all(Array.from({ length: 20 }, () => buy(header)));
    const bodies = await Promise.all(answers.map((r) => r.json()));
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(await credits(payer.address)).toBe(100n);
    expect((await usdcBalance(app.ctx, ep.payTo)) - before).toBe(1_000_000n);
    const rows = await app.ctx.db
      .select()
      .from(payments)
      .where(eq(payments.payer, payer.address.toLowerCase()));
    expect(rows).toHaveLength(1);
  });

  const refusals: [string, () => Promise<{ header: string; payer: string }>, string][] = [
    [
      "wrong amount",
      async () => {
        const p = await fundedPayer(app.ctx);
        return { payer: p.address, header: await v2Payment(p, { ...starter, amount: "500000" }) };
      },
      "invalid_exact_evm_payload_authorization_value",
    ],
    [
      "wrong payee",
      async () => {
        const p = await fundedPayer(app.ctx);
        return {
          payer: p.address,
          header: await v2Payment(p, { ...starter, payTo: newAccount().address }),
        };
      },
      "invalid_exact_evm_payload_recipient_mismatch",
    ],
    [
      "wrong asset",
      async () => {
        const p = await fundedPayer(app.ctx);
        return {
          payer: p.address,
          header: await v2Payment(p, { ...starter, asset: newAccount().address }),
        };
      },
      "invalid_asset",
    ],
    [
      "wrong network",
      async () => {
        const p = await fundedPayer(app.ctx);
        return {
          payer: p.address,
          header: await v2Payment(p, { ...starter, network: "eip155:8453" }),
        };
      },
      "invalid_network",
    ],
    [
      "expired validBefore",
      async () => {
        const p = await fundedPayer(app.ctx);
        return {
          payer: p.address,
          header: await handSignedPayment(app.ctx, starter, { signer: p, validBefore: 1_000n }),
        };
      },
      "invalid_exact_evm_payload_authorization_valid_before",
    ],
    [
      "bad signature",
      async () => {
        const p = await fundedPayer(app.ctx);
        return {
          payer: p.address,
          header: await handSignedPayment(app.ctx, starter, {
            signer: newAccount(),
            from: p.address,
          }),
        };
      },
      "invalid_exact_evm_signature",
    ],
    [
      "payer without USDC",
      async () => {
        const p = newAccount();
        return { payer: p.address, header: await v2Payment(p, starter) };
      },
      "invalid_exact_evm_insufficient_balance",
    ],
    [
      "not base64 JSON",
      async () => ({ payer: newAccount().address, header: "%%%not-base64%%%" }),
      "invalid_payload",
    ],
  ];

  it.each(refusals)("%s → 402, nothing settled or credited", async (_name, make, reason) => {
    const { header, payer } = await make();
    const before = await usdcBalance(app.ctx, ep.payTo);
    const res = await buy(header);
    expect(res.status).toBe(402);
    const body = (await res.json()) as { error: string; message?: string; accepts: unknown[] };
    expect(body.error).toBe(reason);
    expect(body.accepts).toHaveLength(1);
    expect(res.headers.get("payment-required")).toBeTruthy();
    expect(await credits(payer)).toBe(0n);
    expect(await usdcBalance(app.ctx, ep.payTo)).toBe(before);
    expect(await checkLedger(app.ctx.db)).toMatchObject({ ok: true });
  });

  it("GET /api/credits/packs lists the packs with their purchase URLs", async () => {
    const res = await fetch(`${app.url}/api/credits/packs?endpoint=${ep.slug}`);
    expect(await res.json()).toEqual({
      endpoint: ep.slug,
      defaultPack: "starter",
      packs: [
        {
          id: "starter",
          name: "Starter",
          credits: 100,
          price: "1.00",
          amount: "1000000",
          purchaseUrl: `${app.ctx.config.publicUrl}/api/credits/purchase?endpoint=${ep.slug}&pack=starter`,
        },
        {
          id: "bulk",
          name: "Bulk",
          credits: 1000,
          price: "8.50",
          amount: "8500000",
          purchaseUrl: `${app.ctx.config.publicUrl}/api/credits/purchase?endpoint=${ep.slug}&pack=bulk`,
        },
      ],
    });
  });

  it("GET /api/config describes the devnet; the faucet mints there", async () => {
    const config = (await (await fetch(`${app.url}/api/config`)).json()) as Record<string, unknown>;
    expect(config).toMatchObject({
      network: "eip155:31337",
      chainId: 31337,
      asset: { address: app.ctx.payments.asset.address, name: "USDC", version: "2", decimals: 6 },
      facilitator: "local",
      devnet: true,
      rpcUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+/),
    });
    const who = newAccount().address;
    const res = await fetch(`${app.url}/api/dev/faucet`, {
      method: "POST",
      body: JSON.stringify({ address: who, amount: "2.5" }),
    });
    expect(res.status).toBe(200);
    expect(await usdcBalance(app.ctx, who)).toBe(2_500_000n);
    const bad = await fetch(`${app.url}/api/dev/faucet`, {
      method: "POST",
      body: JSON.stringify({ address: "0x12" }),
    });
    expect(bad.status).toBe(400);
  });
});
