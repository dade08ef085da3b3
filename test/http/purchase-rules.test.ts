import { decodePaymentSignatureHeader, encodePaymentSignatureHeader } from "@x402/core/http";
import type { PaymentRequirements } from "@x402/core/types";
import { eq } from "drizzle-orm";
import { type Address, decodeFunctionData, type Hash, serializeSignature } from "viem";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { creditPacks, endpoints } from "@/db/schema";
import { testUsdcAbi } from "@/lib/chain/abi";
import { getBalance } from "@/lib/ledger";
import { expectChainAndLedgerAgree } from "@/test/helpers/chain-audit";
import { createEndpoint } from "@/test/helpers/endpoints";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import { fundedPayer, usdcBalance, v2Payment } from "@/test/helpers/payments";
import {
  type ProxiedChainApp,
  packTerms,
  startAppBehindRpcProxy,
} from "@/test/helpers/proxied-chain";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";

/** The same payment with its signature replaced (what an attacker can build from chain data). */
function withSignature(header: string, signature: string): string {
  const decoded = decodePaymentSignatureHeader(header);
  const payload = decoded.payload as { signature: string; authorization: unknown };
  return encodePaymentSignatureHeader({ ...decoded, payload: { ...payload, signature } });
}

describe("which payments buy what (purchase rules)", () => {
  let chain: ProxiedChainApp;
  let origin: Origin;
  const app = () => chain.app;
  const ctx = () => chain.app.ctx;
  const credits = (endpointId: number, wallet: string) =>
    getBalance(ctx().db, { endpointId, wallet: wallet.toLowerCase() });
  const post = (url: string, headers: Record<string, string>) =>
    fetch(url, { method: "POST", headers });
  /** Chain calls that settle or simulate: none may happen for a refused purchase. */
  const chainCalls = () =>
    chain.proxy.calls("eth_sendRawTransaction") + chain.proxy.calls("eth_call");

  beforeAll(async () => {
    origin = await startOrigin();
    chain = await startAppBehindRpcProxy({ target, env: { RECONCILE_INTERVAL_MS: "300" } });
  });
  afterAll(async () => {
    if (chain) await expectChainAndLedgerAgree(chain.app.ctx, { rpcUrl: chain.anvil.rpcUrl });
    await chain?.close();
    await origin?.close();
  });

  describe("hole 7: a payer paying itself", () => {
    it("is refused with 402 before any chain call, at the purchaseUrl and at the gateway", async () => {
      const payer = await fundedPayer(ctx());
      const ep = await createEndpoint(ctx(), origin.url, { payTo: payer.address.toLowerCase() });
      const { url, accepted } = await packTerms(app(), ep.slug);
      expect(accepted.payTo.toLowerCase()).toBe(payer.address.toLowerCase());
      const before = chainCalls();
      const bought = await post(url, { "payment-signature": await v2Payment(payer, accepted) });
      const paid = await fetch(`${app().url}/e/${ep.slug}/echo`, {
        headers: { "payment-signature": await v2Payment(payer, accepted) },
      });
      for (const res of [bought, paid]) {
        expect(res.status).toBe(402);
        expect(await res.json()).toMatchObject({ error: "invalid_payer_is_payee" });
      }
      expect(chainCalls()).toBe(before);
      expect(await credits(ep.id, payer.address)).toBe(0n);
    });
  });

  describe("hole 6: paused and deleted endpoints", () => {
    const cases: [string, Partial<typeof endpoints.$inferInsert>, number, string][] = [
      ["paused", { paused: true }, 503, "endpoint_paused"],
      ["deleted", { deletedAt: new Date() }, 404, "endpoint_not_found"],
    ];
    it.each(cases)(
      "an endpoint %s after its 402 refuses the payment before settlement",
      async (_name, change, status, code) => {
        const ep = await createEndpoint(ctx(), origin.url);
        const { url, accepted } = await packTerms(app(), ep.slug);
        const payer = await fundedPayer(ctx());
        const header = await v2Payment(payer, accepted);
        // The cache is told by a trigger; the purchase must not depend on having heard it.
        await ctx().db.update(endpoints).set(change).where(eq(endpoints.id, ep.id));
        const before = chain.proxy.calls("eth_sendRawTransaction");
        for (const res of [
          await post(url, { "payment-signature": header }),
          await fetch(`${app().url}/e/${ep.slug}/echo`, {
            headers: { "payment-signature": header },
          }),
        ]) {
          expect(res.status).toBe(status);
          expect(await res.json()).toMatchObject({ error: { code } });
        }
        expect(chain.proxy.calls("eth_sendRawTransaction")).toBe(before);
        expect(await usdcBalance(ctx(), payer.address)).toBe(20_000_000n);
        expect(await credits(ep.id, payer.address)).toBe(0n);
      },
    );
  });

  describe("hole 5: bait and switch", () => {
    it.each([
      ["at the purchaseUrl", "purchase"],
      ["by pay-and-call at the gateway", "gateway"],
    ])(
      "credits lowered after the 402: the buyer gets what was offered, or nothing moves (%s)",
      async (_name, door) => {
        const ep = await createEndpoint(ctx(), origin.url);
        const { url, accepted } = await packTerms(app(), ep.slug);
        const payer = await fundedPayer(ctx());
        const header = await v2Payment(payer, accepted);
        await ctx()
          .db.update(creditPacks)
          .set({ credits: 10n })
          .where(eq(creditPacks.endpointId, ep.id));
        await new Promise((r) => setTimeout(r, 300)); // let every cache hear of it
        const res =
          door === "purchase"
            ? await post(url, { "payment-signature": header })
            : await fetch(`${app().url}/e/${ep.slug}/echo`, {
                headers: { "payment-signature": header },
              });
        const balance = await credits(ep.id, payer.address);
        if (res.status === 402) {
          // Refused: before settlement, so no USDC moved.
          expect(await usdcBalance(ctx(), payer.address)).toBe(20_000_000n);
          expect(balance).toBe(0n);
          expect(await res.json()).toMatchObject({ error: "pack_terms_changed" });
        } else {
          expect(res.status).toBe(200);
          // The offer was 100 credits (a gateway call then spends one of them).
          expect(balance).toBe(door === "purchase" ? 100n : 99n);
        }
      },
    );

    it("pay-and-call buys the pack the challenge offered, even when another has its price", async () => {
      const ep = await createEndpoint(ctx(), origin.url);
      await ctx().db.insert(creditPacks).values({
        endpointId: ep.id,
        id: "starter-plus",
        name: "Starter plus",
        credits: 200n,
        priceAtomic: 1_000_000n,
        position: 2,
      });
      await new Promise((r) => setTimeout(r, 300)); // let the cache hear of the new pack
      const { accepted } = await packTerms(app(), ep.slug, "starter-plus");
      const payer = await fundedPayer(ctx());
      const res = await fetch(`${app().url}/e/${ep.slug}/echo`, {
        headers: { "payment-signature": await v2Payment(payer, accepted) },
      });
      expect(res.status).toBe(200);
      expect(await credits(ep.id, payer.address)).toBe(199n);
    });

    it("an offer of more credits than the pack ever had is refused", async () => {
      const ep = await createEndpoint(ctx(), origin.url);
      const { url, accepted } = await packTerms(app(), ep.slug);
      const payer = await fundedPayer(ctx());
      const extra = accepted.extra as Record<string, unknown> | undefined;
      const inflated: PaymentRequirements = {
        ...accepted,
        extra: { ...extra, credits: "100000" },
      };
      const res = await post(url, { "payment-signature": await v2Payment(payer, inflated) });
      expect(res.status).toBe(402);
      expect(await credits(ep.id, payer.address)).toBe(0n);
      expect(await usdcBalance(ctx(), payer.address)).toBe(20_000_000n);
    });
  });

  describe("hole 2: a payment presented again", () => {
    /** The payment exactly as anyone can rebuild it from the settled transaction's calldata. */
    async function rebuiltFromChain(header: string, transaction: Hash): Promise<string> {
      const tx = await ctx().chain.publicClient.getTransaction({ hash: transaction });
      const { args } = decodeFunctionData({ abi: testUsdcAbi, data: tx.input });
      const [, , , , , , v, r, s] = args as unknown as [
        Address,
        Address,
        bigint,
        bigint,
        bigint,
        Hash,
        number,
        Hash,
        Hash,
      ];
      return withSignature(header, serializeSignature({ r, s, v: BigInt(v) }));
    }

    it("with a junk signature is not 'already settled': refused, nothing credited", async () => {
      const ep = await createEndpoint(ctx(), origin.url);
      const { url, accepted } = await packTerms(app(), ep.slug);
      const payer = await fundedPayer(ctx());
      const header = await v2Payment(payer, accepted);
      expect((await post(url, { "payment-signature": header })).status).toBe(200);
      const junk = withSignature(header, `0x${"11".repeat(65)}`);
      const res = await post(url, { "payment-signature": junk });
      expect(res.status).toBe(402);
      expect(await res.json()).not.toHaveProperty("purchased");
      expect(await credits(ep.id, payer.address)).toBe(100n);
    });

    it("is never proof of the wallet on a signed endpoint, even rebuilt exactly from chain data", async () => {
      const ep = await createEndpoint(ctx(), origin.url, { walletAuth: "signed" });
      const { url, accepted } = await packTerms(app(), ep.slug);
      const victim = await fundedPayer(ctx());
      const header = await v2Payment(victim, accepted);
      const bought = await post(url, { "payment-signature": header });
      expect(bought.status).toBe(200);
      const { purchased } = (await bought.json()) as { purchased: { transaction: Hash } };
      const replays = [
        withSignature(header, `0x${"22".repeat(65)}`),
        await rebuiltFromChain(header, purchased.transaction),
        header,
      ];
      const hits = origin.hits();
      for (const replay of replays) {
        const res = await fetch(`${app().url}/e/${ep.slug}/echo`, {
          headers: { "payment-signature": replay },
        });
        expect([401, 402]).toContain(res.status);
      }
      expect(origin.hits()).toBe(hits);
      expect(await credits(ep.id, victim.address)).toBe(100n);
    });

    it("a payment settled by the request itself does prove the wallet (pay-and-call, signed)", async () => {
      const ep = await createEndpoint(ctx(), origin.url, { walletAuth: "signed" });
      const { accepted } = await packTerms(app(), ep.slug);
      const payer = await fundedPayer(ctx());
      const res = await fetch(`${app().url}/e/${ep.slug}/echo`, {
        headers: { "payment-signature": await v2Payment(payer, accepted) },
      });
      expect(res.status).toBe(200);
      expect(await credits(ep.id, payer.address)).toBe(99n);
    });

    it("at another endpoint or for another pack never answers 'purchased' there", async () => {
      const payTo = (await fundedPayer(ctx(), 0n)).address.toLowerCase();
      const first = await createEndpoint(ctx(), origin.url, { payTo });
      const second = await createEndpoint(ctx(), origin.url, { payTo });
      await ctx().db.insert(creditPacks).values({
        endpointId: first.id,
        id: "starter-bis",
        name: "Starter bis",
        credits: 100n,
        priceAtomic: 1_000_000n,
        position: 2,
      });
      const { url, accepted } = await packTerms(app(), first.slug);
      const payer = await fundedPayer(ctx());
      const header = await v2Payment(payer, accepted);
      expect((await post(url, { "payment-signature": header })).status).toBe(200);

      const elsewhere = [
        `${app().url}/api/credits/purchase?endpoint=${second.slug}&pack=starter`,
        `${app().url}/api/credits/purchase?endpoint=${first.slug}&pack=starter-bis`,
      ];
      for (const other of elsewhere) {
        const res = await post(other, { "payment-signature": header });
        expect(res.status).toBe(402);
        expect(await res.json()).not.toHaveProperty("purchased");
      }
      const paid = await fetch(`${app().url}/e/${second.slug}/echo`, {
        headers: { "payment-signature": header },
      });
      expect(paid.status).toBe(402);
      expect(await credits(second.id, payer.address)).toBe(0n);
      expect(await credits(first.id, payer.address)).toBe(100n);
      expect(await usdcBalance(ctx(), payer.address)).toBe(19_000_000n);
    });
  });
});
