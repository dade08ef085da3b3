import { x402Client as axiosX402Client, wrapAxiosWithPayment } from "@x402/axios";
import { decodePaymentResponseHeader } from "@x402/core/http";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { wrapFetchWithPayment } from "@x402/fetch";
import axios from "axios";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { withPaymentInterceptor } from "x402-axios";
import { createSigner, decodeXPaymentResponse, wrapFetchWithPayment as v1Fetch } from "x402-fetch";
import { getBalance } from "@/lib/ledger";
import type { RunningApp } from "@/lib/server/start";
import { expectChainAndLedgerAgree, transfersFrom } from "@/test/helpers/chain-audit";
import { createEndpoint } from "@/test/helpers/endpoints";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import { fundedPayer, officialClient, recordingFetch } from "@/test/helpers/payments";
import { type Door, startTestApp } from "@/test/helpers/server";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";

/** Everything a client sees of an answer: status, body bytes and the x402 receipt header. */
async function seen(res: Response) {
  return {
    status: res.status,
    body: await res.text(),
    receipt: res.headers.get("payment-response") ?? res.headers.get("x-payment-response"),
  };
}

/** Buys with `pay`, then presents the very payment it sent again, as a retrying client would. */
async function buyAndPresentAgain(
  pay: (fetcher: typeof fetch) => (url: string, init: RequestInit) => Promise<Response>,
  url: string,
) {
  const recorder = recordingFetch();
  const first = await seen(await pay(recorder.fetch)(url, { method: "POST" }));
  const sent = recorder.sent.at(-1);
  if (!sent) throw new Error("the client sent no payment");
  const again = await seen(
    await fetch(url, { method: "POST", headers: { [sent.name]: sent.value } }),
  );
  return { first, again, sent };
}

describe.each<Door>(["fast", "next"])("a purchase presented again, x402 v2 (%s door)", (door) => {
  let app: RunningApp;
  let origin: Origin;
  const credits = (endpointId: number, wallet: string) =>
    getBalance(app.ctx.db, { endpointId, wallet: wallet.toLowerCase() });

  beforeAll(async () => {
    origin = await startOrigin();
    app = await startTestApp({ door, target });
  });
  afterAll(async () => {
    if (app) await expectChainAndLedgerAgree(app.ctx);
    await app?.close();
    await origin?.close();
  });

  it("answers exactly like the first time: status, body bytes and PAYMENT-RESPONSE", async () => {
    const ep = await createEndpoint(app.ctx, origin.url);
    const url = `${app.url}/api/credits/purchase?endpoint=${ep.slug}&pack=starter`;
    const payer = await fundedPayer(app.ctx);
    const client = officialClient(app.ctx, payer);
    const { first, again, sent } = await buyAndPresentAgain(
      (f) => wrapFetchWithPayment(f, client),
      url,
    );
    expect(sent.name).toBe("payment-signature");
    expect(first.status).toBe(200);
    expect(again).toEqual(first);
    const body = JSON.parse(first.body) as { purchased: { transaction: string } };
    expect(decodePaymentResponseHeader(first.receipt ?? "")).toEqual({
      success: true,
      transaction: body.purchased.transaction,
      network: "eip155:31337",
      payer: payer.address,
    });
    expect(await credits(ep.id, payer.address)).toBe(100n);
    expect(await transfersFrom(app.ctx, payer.address)).toHaveLength(1);
  });

  it("pay-and-call presented again carries the same receipt, and buys nothing more", async () => {
    const ep = await createEndpoint(app.ctx, origin.url);
    const url = `${app.url}/e/${ep.slug}/echo`;
    const payer = await fundedPayer(app.ctx);
    const recorder = recordingFetch();
    const first = await wrapFetchWithPayment(recorder.fetch, officialClient(app.ctx, payer))(url, {
      method: "GET",
    });
    const sent = recorder.sent.at(-1);
    if (!sent) throw new Error("the client sent no payment");
    expect(first.status).toBe(200);
    const again = await fetch(url, { headers: { [sent.name]: sent.value } });
    expect(again.status).toBe(200);
    expect(again.headers.get("payment-response")).toBe(first.headers.get("payment-response"));
    expect(decodePaymentResponseHeader(first.headers.get("payment-response") ?? "")).toMatchObject({
      network: "eip155:31337",
      payer: payer.address,
    });
    // One pack bought, two calls served from it.
    expect(await credits(ep.id, payer.address)).toBe(98n);
    expect(await transfersFrom(app.ctx, payer.address)).toHaveLength(1);
  });

  it("the official @x402/axios client buys at the purchaseUrl, unmodified", async () => {
    const ep = await createEndpoint(app.ctx, origin.url);
    const payer = await fundedPayer(app.ctx);
    const client = new axiosX402Client().register("eip155:31337", new ExactEvmScheme(payer));
    const api = wrapAxiosWithPayment(axios.create({ baseURL: app.url }), client);
    const res = await api.post(`/api/credits/purchase?endpoint=${ep.slug}&pack=starter`);
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({
      credits: 100,
      endpoint: ep.slug,
      purchased: { pack: "starter", payer: payer.address, network: "eip155:31337" },
    });
    expect(decodePaymentResponseHeader(String(res.headers["payment-response"]))).toMatchObject({
      success: true,
      transaction: res.data.purchased.transaction,
      payer: payer.address,
    });
    expect(await credits(ep.id, payer.address)).toBe(100n);
  });
});

// x402 v1 knows only named networks: a local anvil with Base Sepolia's chain id and our token.
describe("a purchase presented again, x402 v1 (X-PAYMENT)", () => {
  let app: RunningApp;
  const credits = (endpointId: number, wallet: string) =>
    getBalance(app.ctx.db, { endpointId, wallet: wallet.toLowerCase() });
  const v1Payer = async () => {
    const key = generatePrivateKey();
    const account = privateKeyToAccount(key);
    await app.ctx.chain.mint?.(account.address, 20_000_000n);
    return { account, signer: await createSigner("base-sepolia", key) };
  };

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

  it("answers exactly like the first time, with the v1 network name and the payer checksummed", async () => {
    const ep = await createEndpoint(app.ctx, "http://127.0.0.1:9");
    const url = `${app.url}/api/credits/purchase?endpoint=${ep.slug}&pack=starter`;
    const { account, signer } = await v1Payer();
    const { first, again, sent } = await buyAndPresentAgain(
      (f) => v1Fetch(f, signer, 1_000_000n),
      url,
    );
    expect(sent.name).toBe("x-payment");
    expect(first.status).toBe(200);
    expect(again).toEqual(first);
    const body = JSON.parse(first.body) as { purchased: { transaction: string } };
    expect(decodeXPaymentResponse(first.receipt ?? "")).toEqual({
      success: true,
      transaction: body.purchased.transaction,
      network: "base-sepolia",
      payer: account.address,
    });
    expect(await credits(ep.id, account.address)).toBe(100n);
    expect(await transfersFrom(app.ctx, account.address)).toHaveLength(1);
  });

  it("the official x402-axios (v1) client buys at the purchaseUrl, unmodified", async () => {
    const ep = await createEndpoint(app.ctx, "http://127.0.0.1:9");
    const { account, signer } = await v1Payer();
    const api = withPaymentInterceptor(axios.create({ baseURL: app.url }), signer);
    const res = await api.post(`/api/credits/purchase?endpoint=${ep.slug}&pack=starter`);
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({
      credits: 100,
      purchased: { pack: "starter", payer: account.address },
    });
    expect(decodeXPaymentResponse(String(res.headers["x-payment-response"]))).toMatchObject({
      success: true,
      network: "base-sepolia",
      payer: account.address,
    });
    expect(await credits(ep.id, account.address)).toBe(100n);
  });
});
