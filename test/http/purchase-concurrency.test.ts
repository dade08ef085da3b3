import { createTestClient, http, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type AnvilProcess, startAnvil } from "@/lib/chain/anvil";
import { getBalance } from "@/lib/ledger";
import { freeLoopbackPort } from "@/lib/net/free-port";
import type { RunningApp } from "@/lib/server/start";
import { expectChainAndLedgerAgree } from "@/test/helpers/chain-audit";
import { createEndpoint } from "@/test/helpers/endpoints";
import { fundedPayer, usdcBalance, v2Payment } from "@/test/helpers/payments";
import { packTerms } from "@/test/helpers/proxied-chain";
import { startTestApp } from "@/test/helpers/server";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";
const BUYERS = 100;

/** 100 buyers pay at the same instant; every one is settled and credited once. */
async function hundredBuyersAtOnce(app: RunningApp) {
  const ep = await createEndpoint(app.ctx, "http://127.0.0.1:9");
  const { url, accepted } = await packTerms(app, ep.slug);
  const payers = [];
  for (let i = 0; i < BUYERS; i++) payers.push(await fundedPayer(app.ctx, 1_000_000n));
  const headers = await Promise.all(payers.map((p) => v2Payment(p, accepted)));
  const before = await usdcBalance(app.ctx, ep.payTo);
  const answers = await Promise.all(
    headers.map((h) =>
      fetch(url, { method: "POST", headers: { "payment-signature": h } }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as Record<string, unknown>,
      })),
    ),
  );
  const refused = answers.filter((a) => a.status !== 200);
  expect(refused).toEqual([]);
  expect((await usdcBalance(app.ctx, ep.payTo)) - before).toBe(1_000_000n * BigInt(BUYERS));
  for (const p of payers) {
    expect(
      await getBalance(app.ctx.db, { endpointId: ep.id, wallet: p.address.toLowerCase() }),
    ).toBe(100n);
  }
}

describe("simultaneous purchases with the local facilitator", () => {
  describe("the devnet default (anvil account #1 settles)", () => {
    let app: RunningApp;
    beforeAll(async () => {
      app = await startTestApp({ door: "fast", target });
    });
    afterAll(async () => {
      if (app) await expectChainAndLedgerAgree(app.ctx);
      await app?.close();
    });
    it(`${BUYERS} buyers at once all settle`, () => hundredBuyersAtOnce(app), 120_000);
  });

  describe("FACILITATOR=local with an explicit FACILITATOR_PRIVATE_KEY", () => {
    let app: RunningApp;
    let anvil: AnvilProcess;
    beforeAll(async () => {
      anvil = await startAnvil({ port: await freeLoopbackPort(), chainId: 31337 });
      const key = generatePrivateKey();
      await createTestClient({ mode: "anvil", transport: http(anvil.rpcUrl) }).setBalance({
        address: privateKeyToAccount(key).address,
        value: parseEther("100"),
      });
      app = await startTestApp({
        door: "fast",
        target,
        env: {
          DEVNET: "true",
          RPC_URL: anvil.rpcUrl,
          FACILITATOR: "local",
          FACILITATOR_PRIVATE_KEY: key,
        },
      });
    });
    afterAll(async () => {
      if (app) await expectChainAndLedgerAgree(app.ctx);
      await app?.close();
      await anvil?.stop();
    });
    it(`${BUYERS} buyers at once all settle`, () => hundredBuyersAtOnce(app), 120_000);
  });
});
