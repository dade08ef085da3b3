import { decodePaymentRequiredHeader } from "@x402/core/http";
import type { PaymentRequirements } from "@x402/core/types";
import { sql } from "drizzle-orm";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { rowsOf } from "@/db";
import { signSiwe } from "@/lib/auth/test-helpers";
import { getBalance } from "@/lib/ledger";
import type { RunningApp } from "@/lib/server/start";
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
/** The one loopback address this app trusts as a reverse proxy (TRUST_PROXY). */
const PROXY = "127.0.0.9";

/** A fetch whose connections leave from `address`: each loopback address is a caller. */
function from(address: string) {
  const dispatcher = new Agent({ localAddress: address });
  return (url: string, init: RequestInit = {}) =>
    fetch(url, { ...init, dispatcher } as RequestInit);
}

async function expectLimited(res: Response) {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers.get("retry-after"));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(await res.json()).toMatchObject({
    error: { code: "rate_limited", message: expect.stringMatching(/\d+ s/) },
  });
}

describe("rate limits on unauthenticated writes", () => {
  let app: RunningApp;
  let origin: Origin;
  let ep: Awaited<ReturnType<typeof createEndpoint>>;
  let starter: PaymentRequirements;
  let purchaseUrl: string;
  let server: { publicUrl: string; chainId: number };

  const nonceCount = async () =>
    Number(
      rowsOf<{ n: string }>(await app.ctx.db.execute(sql`select count(*) as n from auth_nonces`))[0]
        ?.n,
    );
  const buy = (header: string, caller = from("127.0.0.1")) =>
    caller(purchaseUrl, { method: "POST", headers: { "payment-signature": header } });
  const credits = (wallet: string) =>
    getBalance(app.ctx.db, { endpointId: ep.id, wallet: wallet.toLowerCase() });

  beforeAll(async () => {
    origin = await startOrigin();
    app = await startTestApp({
      door: "fast",
      target,
      env: {
        TRUST_PROXY: PROXY,
        RATE_LIMIT_NONCES: "3",
        RATE_LIMIT_SIGN_INS: "3",
        RATE_LIMIT_FAUCET: "2",
        RATE_LIMIT_PURCHASES: "2",
        RATE_LIMIT_PAYMENT_ATTEMPTS: "6",
      },
    });
    server = { publicUrl: app.ctx.config.publicUrl, chainId: app.ctx.payments.chainId };
    ep = await createEndpoint(app.ctx, origin.url);
    purchaseUrl = `${app.url}/api/credits/purchase?endpoint=${ep.slug}&pack=starter`;
    const challenge = await fetch(purchaseUrl, { method: "POST" });
    starter = decodePaymentRequiredHeader(challenge.headers.get("payment-required") ?? "")
      .accepts[0] as PaymentRequirements;
  });
  afterAll(async () => {
    await app?.close();
    await origin?.close();
  });

  it("nonces: per caller address; the refused request writes nothing", async () => {
    const alice = from("127.0.0.2");
    for (let i = 0; i < 3; i++) expect((await alice(`${app.url}/api/auth/nonce`)).status).toBe(200);
    const before = await nonceCount();
    await expectLimited(await alice(`${app.url}/api/auth/nonce`));
    expect(await nonceCount()).toBe(before);
    // A spoofed X-Forwarded-For from a caller that is not the trusted proxy changes nothing.
    await expectLimited(
      await alice(`${app.url}/api/auth/nonce`, { headers: { "x-forwarded-for": "198.51.100.1" } }),
    );
    // Another caller has its own allowance.
    expect((await from("127.0.0.3")(`${app.url}/api/auth/nonce`)).status).toBe(200);
  });

  it("behind the trusted proxy, the client is the X-Forwarded-For address; IPv6 by /64", async () => {
    const proxy = from(PROXY);
    const as = (client: string) =>
      proxy(`${app.url}/api/auth/nonce`, { headers: { "x-forwarded-for": `${client}, ${PROXY}` } });
    for (let i = 0; i < 3; i++) expect((await as("203.0.113.7")).status).toBe(200);
    await expectLimited(await as("203.0.113.7"));
    expect((await as("203.0.113.8")).status).toBe(200);
    // One IPv6 subscriber holds a whole /64: its addresses share one allowance.
    for (const a of ["2001:db8:1:1::1", "2001:db8:1:1::2", "2001:db8:1:1:aaaa::3"])
      expect((await as(a)).status).toBe(200);
    await expectLimited(await as("2001:db8:1:1::4"));
    expect((await as("2001:db8:1:2::1")).status).toBe(200);
    // An IPv4-mapped IPv6 address is that IPv4 address.
    await expectLimited(await as("::ffff:203.0.113.7"));
  });

  it("sign-ins: verify and token share one allowance, and failures count", async () => {
    const caller = from("127.0.0.4");
    const nonce = async () =>
      ((await (await fetch(`${app.url}/api/auth/nonce`)).json()) as { nonce: string }).nonce;
    const post = (path: string, body: unknown) =>
      caller(`${app.url}${path}`, { method: "POST", body: JSON.stringify(body) });
    const account = newAccount();
    expect((await post("/api/auth/verify", { message: "x", signature: "0x00" })).status).toBe(401);
    expect((await post("/api/auth/token", { message: "x", signature: "0x00" })).status).toBe(401);
    const good = await signSiwe(account, server, { nonce: await nonce() });
    expect((await post("/api/auth/verify", good)).status).toBe(200);
    const again = await signSiwe(account, server, { nonce: await nonce() });
    const refused = await post("/api/auth/verify", again);
    expect(refused.headers.get("set-cookie")).toBeNull();
    await expectLimited(refused);
  });

  it("faucet: the refused call mints nothing", async () => {
    const caller = from("127.0.0.5");
    const wallet = newAccount().address;
    const mint = () =>
      caller(`${app.url}/api/dev/faucet`, {
        method: "POST",
        body: JSON.stringify({ address: wallet, amount: "1" }),
      });
    expect((await mint()).status).toBe(200);
    expect((await mint()).status).toBe(200);
    await expectLimited(await mint());
    expect(await usdcBalance(app.ctx, wallet)).toBe(2_000_000n);
  });

  it("purchases: per payer, from any address; the refused one moves no money", async () => {
    const payer = await fundedPayer(app.ctx);
    expect((await buy(await v2Payment(payer, starter), from("127.0.0.6"))).status).toBe(200);
    expect((await buy(await v2Payment(payer, starter), from("127.0.0.7"))).status).toBe(200);
    const usdc = await usdcBalance(app.ctx, payer.address);
    await expectLimited(await buy(await v2Payment(payer, starter), from("127.0.0.8")));
    expect(await usdcBalance(app.ctx, payer.address)).toBe(usdc);
    expect(await credits(payer.address)).toBe(200n);
    // Another payer on the same address is not held back.
    const other = await fundedPayer(app.ctx);
    expect((await buy(await v2Payment(other, starter), from("127.0.0.8"))).status).toBe(200);
  });

  it("a payment claiming someone else as payer does not spend that payer's allowance", async () => {
    const victim = await fundedPayer(app.ctx);
    const forger = newAccount();
    for (let i = 0; i < 3; i++) {
      const forged = await handSignedPayment(app.ctx, starter, {
        signer: forger,
        from: victim.address,
      });
      expect((await buy(forged, from("127.0.0.10"))).status).toBe(402);
    }
    expect((await buy(await v2Payment(victim, starter), from("127.0.0.11"))).status).toBe(200);
  });

  it("payment attempts per address: undecodable and invalid payments count", async () => {
    const caller = from("127.0.0.12");
    for (let i = 0; i < 6; i++) expect((await buy("bm90IGpzb24=", caller)).status).toBe(402);
    await expectLimited(await buy("bm90IGpzb24=", caller));
    // Asking for the price (no payment) is a read: never limited.
    for (let i = 0; i < 5; i++) {
      expect((await caller(purchaseUrl, { method: "POST" })).status).toBe(402);
    }
  });

  it("the gateway's pay-and-call is held to the same per-payer allowance", async () => {
    const payer = await fundedPayer(app.ctx);
    const caller = from("127.0.0.13");
    expect((await buy(await v2Payment(payer, starter), caller)).status).toBe(200);
    expect((await buy(await v2Payment(payer, starter), caller)).status).toBe(200);
    const hits = origin.hits();
    const res = await from("127.0.0.14")(`${app.url}/e/${ep.slug}/echo`, {
      headers: { "payment-signature": await v2Payment(payer, starter) },
    });
    await expectLimited(res);
    expect(origin.hits()).toBe(hits);
    expect(await credits(payer.address)).toBe(200n);
  });
});
