import { eq } from "drizzle-orm";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createSigner, decodeXPaymentResponse, wrapFetchWithPayment } from "x402-fetch";
import { creditPacks, endpoints } from "@/db/schema";
import { getBalance } from "@/lib/ledger";
import type { RunningApp } from "@/lib/server/start";
import { expectChainAndLedgerAgree } from "@/test/helpers/chain-audit";
import { createEndpoint } from "@/test/helpers/endpoints";
import { usdcBalance } from "@/test/helpers/payments";
import { startTestApp } from "@/test/helpers/server";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";

// x402 v1 knows only named networks: a local anvil with Base Sepolia's chain id and our token.
describe("the official x402-fetch (v1) client", () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startTestApp({
      door: "fast",
      target,
      env: { NETWORK: "eip155:84532", DEVNET: "true" },
    });
  });
  afterAll(async () => {
    if (app) await expectChainAndLedgerAgree(app.ctx);
    await app?.close();
  });

  it("reads the v1 body of the 402, pays with X-PAYMENT and is credited", async () => {
    const ep = await createEndpoint(app.ctx, "http://127.0.0.1:9");
    const url = `${app.url}/api/credits/purchase?endpoint=${ep.slug}&pack=starter`;
    const challenge = (await (await fetch(url, { method: "POST" })).json()) as Record<
      string,
      unknown
    >;
    expect(challenge).toMatchObject({
      x402Version: 1,
      accepts: [
        {
          scheme: "exact",
          network: "base-sepolia",
          maxAmountRequired: "1000000",
          resource: url.replace(app.url, app.ctx.config.publicUrl),
        },
      ],
    });

    const key = generatePrivateKey();
    const payer = privateKeyToAccount(key);
    await app.ctx.chain.mint?.(payer.address, 20_000_000n);
    // Signing needs no RPC: the v1 signer only signs the EIP-712 authorization.
    const wallet = await createSigner("base-sepolia", key);
    const before = await usdcBalance(app.ctx, ep.payTo);
    const res = await wrapFetchWithPayment(fetch, wallet, 1_000_000n)(url, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      credits: 100,
      purchased: { network: "eip155:84532", payer: payer.address },
    });
    expect(decodeXPaymentResponse(res.headers.get("x-payment-response") ?? "")).toMatchObject({
      success: true,
    });
    expect((await usdcBalance(app.ctx, ep.payTo)) - before).toBe(1_000_000n);
    expect(
      await getBalance(app.ctx.db, { endpointId: ep.id, wallet: payer.address.toLowerCase() }),
    ).toBe(100n);
  });

  it("bait and switch: credits lowered while a v1 client signs → refused before settlement", async () => {
    const ep = await createEndpoint(app.ctx, "http://127.0.0.1:9");
    const url = `${app.url}/api/credits/purchase?endpoint=${ep.slug}&pack=starter`;
    const key = generatePrivateKey();
    const payer = privateKeyToAccount(key);
    await app.ctx.chain.mint?.(payer.address, 20_000_000n);
    // The provider changes the pack right after the client read its 402 (which offered 100).
    let changed = false;
    const racingFetch: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!changed && res.status === 402) {
        changed = true;
        await app.ctx.db
          .update(creditPacks)
          .set({ credits: 10n })
          .where(eq(creditPacks.endpointId, ep.id));
        await app.ctx.db
          .update(endpoints)
          .set({ updatedAt: new Date() })
          .where(eq(endpoints.id, ep.id));
      }
      return res;
    };
    const wallet = await createSigner("base-sepolia", key);
    const res = await wrapFetchWithPayment(
      racingFetch,
      wallet,
      1_000_000n,
    )(url, {
      method: "POST",
    });
    const balance = await getBalance(app.ctx.db, {
      endpointId: ep.id,
      wallet: payer.address.toLowerCase(),
    });
    if (res.status === 200) expect(balance).toBe(100n);
    else {
      expect(res.status).toBe(402);
      expect(await res.json()).toMatchObject({ error: "pack_terms_changed" });
      expect(balance).toBe(0n);
      expect(await usdcBalance(app.ctx, payer.address)).toBe(20_000_000n);
    }
  });
});
