import { decodePaymentRequiredHeader } from "@x402/core/http";
import {
  declarePaymentIdentifierExtension,
  generatePaymentId,
} from "@x402/extensions/payment-identifier";
import { wrapFetchWithPayment } from "@x402/fetch";
import { and, eq } from "drizzle-orm";
import type { Address, Hex } from "viem";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { payments } from "@/db/schema";
import { testUsdcAbi } from "@/lib/chain/abi";
import { getBalance } from "@/lib/ledger";
import { expectChainAndLedgerAgree, transfersFrom } from "@/test/helpers/chain-audit";
import { createEndpoint } from "@/test/helpers/endpoints";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import {
  fundedPayer,
  officialClient,
  recordingFetch,
  usdcBalance,
  v2Payment,
} from "@/test/helpers/payments";
import {
  type ProxiedChainApp,
  packTerms,
  startAppBehindRpcProxy,
} from "@/test/helpers/proxied-chain";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";

describe("x402 payment-identifier: an idempotency key for a payment", () => {
  let chain: ProxiedChainApp;
  let origin: Origin;
  const ctx = () => chain.app.ctx;
  const credits = (endpointId: number, wallet: string) =>
    getBalance(ctx().db, { endpointId, wallet: wallet.toLowerCase() });
  const transfers = (payer: Address) => transfersFrom(ctx(), payer, { rpcUrl: chain.anvil.rpcUrl });
  const broadcasts = () => chain.proxy.calls("eth_sendRawTransaction");
  const nonceUsed = (payer: Address, nonce: Hex) =>
    ctx().chain.publicClient.readContract({
      address: ctx().payments.asset.address,
      abi: testUsdcAbi,
      functionName: "authorizationState",
      args: [payer, nonce],
    });
  const nonceOf = (header: string) =>
    (
      JSON.parse(Buffer.from(header, "base64").toString()) as {
        payload: { authorization: { nonce: Hex } };
      }
    ).payload.authorization.nonce;
  const paymentRows = (endpointId: number, payer: Address) =>
    ctx()
      .db.select()
      .from(payments)
      .where(and(eq(payments.endpointId, endpointId), eq(payments.payer, payer.toLowerCase())));

  beforeAll(async () => {
    origin = await startOrigin();
    chain = await startAppBehindRpcProxy({ target });
  });
  afterAll(async () => {
    if (chain) await expectChainAndLedgerAgree(chain.app.ctx, { rpcUrl: chain.anvil.rpcUrl });
    await chain?.close();
    await origin?.close();
  });

  it("every 402 that asks for payment declares it (purchaseUrl and gateway)", async () => {
    const ep = await createEndpoint(ctx(), origin.url);
    const purchase = await fetch(`${chain.app.url}/api/credits/purchase?endpoint=${ep.slug}`, {
      method: "POST",
    });
    const gateway = await fetch(`${chain.app.url}/e/${ep.slug}/echo`);
    for (const res of [purchase, gateway]) {
      expect(res.status).toBe(402);
      const required = decodePaymentRequiredHeader(res.headers.get("payment-required") ?? "");
      expect(required.extensions?.["payment-identifier"]).toEqual(
        declarePaymentIdentifierExtension(false),
      );
    }
  });

  it("the same id with the same payload twice: the same answer, credited and settled once", async () => {
    const ep = await createEndpoint(ctx(), origin.url);
    const { url } = await packTerms(chain.app, ep.slug);
    const payer = await fundedPayer(ctx());
    const id = generatePaymentId();
    const recorder = recordingFetch();
    const client = officialClient(ctx(), payer, { paymentId: id });
    const first = await wrapFetchWithPayment(recorder.fetch, client)(url, { method: "POST" });
    expect(first.status).toBe(200);
    const sent = recorder.sent.at(-1);
    if (!sent) throw new Error("the client sent no payment");
    expect(
      JSON.parse(Buffer.from(sent.value, "base64").toString()).extensions["payment-identifier"],
    ).toMatchObject({ info: { id } });

    const sentBefore = broadcasts();
    const again = await fetch(url, { method: "POST", headers: { [sent.name]: sent.value } });
    expect(again.status).toBe(200);
    expect(await again.text()).toBe(await first.text());
    expect(again.headers.get("payment-response")).toBe(first.headers.get("payment-response"));
    expect(broadcasts()).toBe(sentBefore);
    expect(await credits(ep.id, payer.address)).toBe(100n);
    expect(await transfers(payer.address)).toHaveLength(1);
    const rows = await paymentRows(ep.id, payer.address);
    expect(rows.map((r) => [r.status, r.paymentIdentifier])).toEqual([["settled", id]]);
  });

  it("the same id with a different payload (the client's next payment) → 409, nothing settled", async () => {
    const ep = await createEndpoint(ctx(), origin.url);
    const { url } = await packTerms(chain.app, ep.slug);
    const payer = await fundedPayer(ctx());
    const recorder = recordingFetch();
    // One client with a fixed id: every payment it signs is new (fresh nonce) under that id.
    const pay = wrapFetchWithPayment(
      recorder.fetch,
      officialClient(ctx(), payer, { paymentId: generatePaymentId() }),
    );
    expect((await pay(url, { method: "POST" })).status).toBe(200);
    const sentBefore = broadcasts();
    const second = await pay(url, { method: "POST" });
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ error: { code: "payment_identifier_reused" } });
    expect(second.headers.get("payment-response")).toBeNull();
    expect(broadcasts()).toBe(sentBefore);
    const [firstPaid, secondPaid] = recorder.sent.map((s) => nonceOf(s.value));
    if (!firstPaid || !secondPaid) throw new Error("the client sent two payments");
    expect(secondPaid).not.toBe(firstPaid);
    expect(await nonceUsed(payer.address, secondPaid)).toBe(false);
    expect(await credits(ep.id, payer.address)).toBe(100n);
    expect(await usdcBalance(ctx(), payer.address)).toBe(19_000_000n);
    expect(await transfers(payer.address)).toHaveLength(1);
  });

  it("the same id for another pack is a different payload too → 409", async () => {
    const ep = await createEndpoint(ctx(), origin.url);
    const starter = await packTerms(chain.app, ep.slug, "starter");
    const bulk = await packTerms(chain.app, ep.slug, "bulk");
    const payer = await fundedPayer(ctx());
    const id = generatePaymentId();
    const buy = async (terms: typeof starter) =>
      fetch(terms.url, {
        method: "POST",
        headers: { "payment-signature": await v2Payment(payer, terms.accepted, { paymentId: id }) },
      });
    expect((await buy(starter)).status).toBe(200);
    expect((await buy(bulk)).status).toBe(409);
    expect(await credits(ep.id, payer.address)).toBe(100n);
    expect(await transfers(payer.address)).toHaveLength(1);
  });

  it("ids are the payer's own, per endpoint: the same id elsewhere or by another payer is new", async () => {
    const [a, b] = [
      await createEndpoint(ctx(), origin.url),
      await createEndpoint(ctx(), origin.url),
    ];
    const [termsA, termsB] = [
      await packTerms(chain.app, a.slug),
      await packTerms(chain.app, b.slug),
    ];
    const [alice, bob] = [await fundedPayer(ctx()), await fundedPayer(ctx())];
    const id = generatePaymentId();
    const buy = async (payer: typeof alice, terms: typeof termsA) =>
      (
        await fetch(terms.url, {
          method: "POST",
          headers: {
            "payment-signature": await v2Payment(payer, terms.accepted, { paymentId: id }),
          },
        })
      ).status;
    expect([await buy(alice, termsA), await buy(alice, termsB), await buy(bob, termsA)]).toEqual([
      200, 200, 200,
    ]);
    expect(await credits(a.id, alice.address)).toBe(100n);
    expect(await credits(b.id, alice.address)).toBe(100n);
    expect(await credits(a.id, bob.address)).toBe(100n);
  });

  it("two different payments racing under one id: one settles, the other gets 409", async () => {
    const ep = await createEndpoint(ctx(), origin.url);
    const { url, accepted } = await packTerms(chain.app, ep.slug);
    for (let round = 0; round < 3; round++) {
      const payer = await fundedPayer(ctx());
      const id = generatePaymentId();
      const headers = await Promise.all(
        [1, 2].map(() => v2Payment(payer, accepted, { paymentId: id })),
      );
      const answers = await Promise.all(
        headers.map((h) => fetch(url, { method: "POST", headers: { "payment-signature": h } })),
      );
      expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(await credits(ep.id, payer.address)).toBe(100n);
      expect(await transfers(payer.address)).toHaveLength(1);
      expect(await usdcBalance(ctx(), payer.address)).toBe(19_000_000n);
      expect(await paymentRows(ep.id, payer.address)).toHaveLength(1);
    }
  });

  it("the same payment under one id, sent 10 times at once: one settlement, ten equal answers", async () => {
    const ep = await createEndpoint(ctx(), origin.url);
    const { url, accepted } = await packTerms(chain.app, ep.slug);
    const payer = await fundedPayer(ctx());
    const header = await v2Payment(payer, accepted, { paymentId: generatePaymentId() });
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        fetch(url, { method: "POST", headers: { "payment-signature": header } }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
    const seen = await Promise.all(
      answers.map(async (r) => `${r.headers.get("payment-response")} ${await r.text()}`),
    );
    expect(new Set(seen).size).toBe(1);
    expect(await credits(ep.id, payer.address)).toBe(100n);
    expect(await transfers(payer.address)).toHaveLength(1);
  });

  it("pay-and-call at the gateway: the id buys the pack once; another payment under it → 409, origin not called", async () => {
    const ep = await createEndpoint(ctx(), origin.url);
    const payer = await fundedPayer(ctx());
    const pay = wrapFetchWithPayment(
      fetch,
      officialClient(ctx(), payer, { paymentId: generatePaymentId() }),
    );
    const first = await pay(`${chain.app.url}/e/${ep.slug}/echo`);
    expect(first.status).toBe(200);
    expect(first.headers.get("x-credits-remaining")).toBe("99");
    const hits = origin.hits();
    const sentBefore = broadcasts();
    const second = await pay(`${chain.app.url}/e/${ep.slug}/echo`);
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ error: { code: "payment_identifier_reused" } });
    expect(origin.hits()).toBe(hits);
    expect(broadcasts()).toBe(sentBefore);
    expect(await credits(ep.id, payer.address)).toBe(99n);
    expect(await transfers(payer.address)).toHaveLength(1);
  });

  it("an id that breaks the extension's format is refused before anything moves", async () => {
    const ep = await createEndpoint(ctx(), origin.url);
    const { url, accepted } = await packTerms(chain.app, ep.slug);
    const payer = await fundedPayer(ctx());
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "payment-signature": await v2Payment(payer, accepted, { paymentId: "short" }),
      },
    });
    expect(res.status).toBe(402);
    expect(await res.json()).toMatchObject({ error: "invalid_payment_identifier" });
    expect(await credits(ep.id, payer.address)).toBe(0n);
    expect(await transfers(payer.address)).toHaveLength(0);
  });
});
