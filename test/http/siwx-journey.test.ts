import { decodePaymentRequiredHeader } from "@x402/core/http";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import {
  createSIWxClientExtension,
  SIGN_IN_WITH_X,
  wrapFetchWithSIWx,
} from "@x402/extensions/sign-in-with-x";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import type { LocalAccount } from "viem";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { checkLedger, credit, getBalance } from "@/lib/ledger";
import type { RunningApp } from "@/lib/server/start";
import { createEndpoint, fundedWallet } from "@/test/helpers/endpoints";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import { fundedPayer, usdcBalance } from "@/test/helpers/payments";
import { startTestApp } from "@/test/helpers/server";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";
const NETWORK = "eip155:31337";

// #13 point 1: an unmodified official x402 client buys once, then signs in and spends credits.
describe.each(["fast", "next"] as const)("credits for official x402 clients (%s door)", (door) => {
  let app: RunningApp;
  let origin: Origin;

  /** @x402/fetch with the exact scheme and the sign-in-with-x client extension, as documented. */
  const officialClient = (payer: LocalAccount) => {
    const client = new x402Client()
      .register(NETWORK, new ExactEvmScheme(payer))
      .registerExtension(createSIWxClientExtension({ signers: [payer] }));
    client.setSpendControls({
      allowedAssets: [{ network: NETWORK, asset: app.ctx.payments.asset.address }],
    });
    return wrapFetchWithPayment(fetch, client);
  };

  beforeAll(async () => {
    origin = await startOrigin();
    app = await startTestApp({ door, target });
  });
  afterAll(async () => {
    await app?.close();
    await origin?.close();
  });

  it.each(["header", "signed"] as const)(
    "%s endpoint: the first call pays once, later calls sign in and spend one credit each",
    async (walletAuth) => {
      const ep = await createEndpoint(app.ctx, origin.url, { walletAuth });
      const payer = await fundedPayer(app.ctx);
      const wallet = payer.address.toLowerCase();
      const call = officialClient(payer);
      const usdcBefore = await usdcBalance(app.ctx, payer.address);

      const first = await call(`${app.url}/e/${ep.slug}/echo`);
      expect(first.status).toBe(200);
      await first.text();
      expect(await getBalance(app.ctx.db, { endpointId: ep.id, wallet })).toBe(99n);
      expect(await usdcBalance(app.ctx, payer.address)).toBe(usdcBefore - 1_000_000n);

      for (let i = 1; i <= 3; i++) {
        const res = await call(`${app.url}/e/${ep.slug}/echo`);
        expect(res.status).toBe(200);
        expect(res.headers.get("x-credits-charged")).toBe("1");
        const seen = (await res.json()) as { headers: Record<string, string> };
        expect(seen.headers["x-wallet-address"]?.toLowerCase()).toBe(wallet);
        expect(seen.headers[SIGN_IN_WITH_X]).toBeUndefined();
        expect(await getBalance(app.ctx.db, { endpointId: ep.id, wallet })).toBe(99n - BigInt(i));
      }
      // No second payment.
      expect(await usdcBalance(app.ctx, payer.address)).toBe(usdcBefore - 1_000_000n);
    },
  );

  it("every gateway 402 declares sign-in-with-x, on header and signed endpoints", async () => {
    for (const walletAuth of ["header", "signed"] as const) {
      const ep = await createEndpoint(app.ctx, origin.url, { walletAuth });
      const poor = await fundedWallet(app.ctx, ep.id, 0n);
      for (const headers of [{}, { "x-wallet-address": poor }] as Record<string, string>[]) {
        const res = await fetch(`${app.url}/e/${ep.slug}/x`, { headers });
        expect(res.status).toBe(402);
        const required = decodePaymentRequiredHeader(res.headers.get("payment-required") ?? "");
        const siwx = required.extensions?.[SIGN_IN_WITH_X] as {
          info: { domain: string; uri: string; nonce: string };
          supportedChains: { chainId: string; type: string }[];
        };
        expect(siwx.supportedChains).toEqual([{ chainId: NETWORK, type: "eip191" }]);
        expect(siwx.info.uri).toBe(`${app.ctx.config.publicUrl}/e/${ep.slug}/x`);
        expect(required.accepts.length).toBeGreaterThan(0);
      }
    }
  });

  it("a signed endpoint asks for the proof with a 402 the official client answers", async () => {
    const ep = await createEndpoint(app.ctx, origin.url, { walletAuth: "signed" });
    const agent = await fundedPayer(app.ctx, 0n);
    const wallet = agent.address.toLowerCase();
    await fundedWallet(app.ctx, ep.id, 0n);
    await credit(app.ctx.db, { endpointId: ep.id, wallet, credits: 5n, kind: "grant" });

    const spoof = await fetch(`${app.url}/e/${ep.slug}/x`, {
      headers: { "x-wallet-address": agent.address },
    });
    expect(spoof.status).toBe(402);
    expect(await spoof.json()).toMatchObject({
      error: "wallet_proof_required",
      message: expect.stringContaining("SIGN-IN-WITH-X"),
      tokenUrl: `${app.ctx.config.publicUrl}/api/auth/token`,
    });
    expect(await getBalance(app.ctx.db, { endpointId: ep.id, wallet })).toBe(5n);

    // wrapFetchWithSIWx alone (no payment client): it answers the 402 by signing in.
    const signedIn = wrapFetchWithSIWx(fetch, agent);
    const res = await signedIn(`${app.url}/e/${ep.slug}/x`, {
      headers: { "x-wallet-address": agent.address },
    });
    expect(res.status).toBe(200);
    expect(await getBalance(app.ctx.db, { endpointId: ep.id, wallet })).toBe(4n);
    // Without the wallet header, the sign-in alone names the wallet.
    const alone = await signedIn(`${app.url}/e/${ep.slug}/x`);
    expect(alone.status).toBe(200);
    expect(await getBalance(app.ctx.db, { endpointId: ep.id, wallet })).toBe(3n);
  });

  it("a bad sign-in is a 402 that charges nothing and never reaches the origin", async () => {
    const ep = await createEndpoint(app.ctx, origin.url);
    const hits = origin.hits();
    for (const header of ["not-base64", Buffer.from('{"address":"0x1"}').toString("base64")]) {
      const res = await fetch(`${app.url}/e/${ep.slug}/x`, {
        headers: { [SIGN_IN_WITH_X]: header },
      });
      expect(res.status).toBe(402);
      const body = (await res.json()) as { error: string; message: string };
      expect(body.error).toBe("wallet_proof_required");
      expect(body.message).toMatch(/^SIGN-IN-WITH-X/);
    }
    expect(origin.hits()).toBe(hits);
    expect(await checkLedger(app.ctx.db)).toMatchObject({ ok: true });
  });
});
