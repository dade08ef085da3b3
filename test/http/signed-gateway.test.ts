import { decodePaymentRequiredHeader } from "@x402/core/http";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { credit, getBalance } from "@/lib/ledger";
import type { RunningApp } from "@/lib/server/start";
import { createEndpoint, fundedWallet } from "@/test/helpers/endpoints";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import { startTestApp } from "@/test/helpers/server";
import { claimAddress, siwxHeader, walletToken } from "@/test/helpers/siwx";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";
const HOUR = 3_600_000;

describe.each(["fast", "next"] as const)(
  "a signed endpoint refuses spoofed wallets (%s door)",
  (door) => {
    let app: RunningApp;
    let origin: Origin;
    let ep: Awaited<ReturnType<typeof createEndpoint>>;
    const agent = privateKeyToAccount(generatePrivateKey());
    const other = privateKeyToAccount(generatePrivateKey());
    const path = () => `/e/${ep.slug}/data`;
    const call = (headers: Record<string, string>) =>
      fetch(`${app.url}${path()}`, { headers: { "x-wallet-address": agent.address, ...headers } });
    const balance = () =>
      getBalance(app.ctx.db, { endpointId: ep.id, wallet: agent.address.toLowerCase() });

    beforeAll(async () => {
      origin = await startOrigin();
      app = await startTestApp({ door, target });
      ep = await createEndpoint(app.ctx, origin.url, { walletAuth: "signed" });
      await credit(app.ctx.db, {
        endpointId: ep.id,
        wallet: agent.address.toLowerCase(),
        credits: 100n,
        kind: "grant",
      });
    });
    afterAll(async () => {
      await app?.close();
      await origin?.close();
    });

    const spoofs: [string, () => Promise<Record<string, string>>][] = [
      ["the header alone", async () => ({})],
      [
        "a SIWX signature by another wallet",
        async () => ({
          "sign-in-with-x": claimAddress(await siwxHeader(app, other, path()), agent.address),
        }),
      ],
      [
        "a SIWX message for another domain",
        async () => ({
          "sign-in-with-x": await siwxHeader(app, agent, path(), {
            domain: "evil.example",
            uri: `https://evil.example${path()}`,
          }),
        }),
      ],
      [
        "an expired SIWX message",
        async () => ({
          "sign-in-with-x": await siwxHeader(app, agent, path(), {
            issuedAt: new Date(Date.now() - 2 * HOUR).toISOString(),
            expirationTime: new Date(Date.now() - HOUR).toISOString(),
          }),
        }),
      ],
      [
        "another wallet's token",
        async () => ({ authorization: `Bearer ${await walletToken(app, other)}` }),
      ],
      [
        "a tampered token",
        async () => ({ authorization: `Bearer ${(await walletToken(app, agent)).slice(0, -2)}xx` }),
      ],
    ];

    it.each(spoofs)(
      "%s → 402 wallet_proof_required with the sign-in challenge, no debit, no origin call",
      async (_name, headers) => {
        const before = await balance();
        const hits = origin.hits();
        const res = await call(await headers());
        expect(res.status).toBe(402);
        const body = (await res.json()) as { error: string; message: string; tokenUrl: string };
        expect(body.error).toBe("wallet_proof_required");
        expect(body.message.length).toBeGreaterThan(10);
        expect(body.tokenUrl).toBe(`${app.ctx.config.publicUrl}/api/auth/token`);
        const required = decodePaymentRequiredHeader(res.headers.get("payment-required") ?? "");
        expect(required.extensions?.["sign-in-with-x"]).toBeTruthy();
        expect(await balance()).toBe(before);
        expect(origin.hits()).toBe(hits);
      },
    );

    it("a reused SIWX nonce is refused the second time", async () => {
      const header = await siwxHeader(app, agent, path());
      expect((await call({ "sign-in-with-x": header })).status).toBe(200);
      const before = await balance();
      const replay = await call({ "sign-in-with-x": header });
      expect(replay.status).toBe(402);
      expect(await replay.json()).toMatchObject({ message: expect.stringMatching(/nonce/) });
      expect(await balance()).toBe(before);
    });

    it("the genuine proofs are served and charged: SIWX header, then a wallet token", async () => {
      const before = await balance();
      expect((await call({ "sign-in-with-x": await siwxHeader(app, agent, path()) })).status).toBe(
        200,
      );
      const token = await walletToken(app, agent);
      const res = await call({ authorization: `Bearer ${token}` });
      expect(res.status).toBe(200);
      const seen = (await res.json()) as { headers: Record<string, string> };
      expect(seen.headers.authorization).toBeUndefined(); // our token never reaches the origin
      expect(await balance()).toBe(before - 2n);
    });

    it("its 402 declares the sign-in-with-x extension", async () => {
      const poor = await fundedWallet(app.ctx, ep.id, 0n);
      const res = await fetch(`${app.url}${path()}`, { headers: { "x-wallet-address": poor } });
      // No proof for `poor`: the proof is asked for first, in a 402 that declares sign-in.
      expect(res.status).toBe(402);
      expect(await res.json()).toMatchObject({ error: "wallet_proof_required" });
      const signer = privateKeyToAccount(generatePrivateKey());
      const paid = await fetch(`${app.url}${path()}`, {
        headers: {
          "x-wallet-address": signer.address,
          "sign-in-with-x": await siwxHeader(app, signer, path()),
        },
      });
      expect(paid.status).toBe(402);
      expect(await paid.json()).toMatchObject({ error: "insufficient_credits" });
      const required = decodePaymentRequiredHeader(paid.headers.get("payment-required") ?? "");
      expect(required.extensions?.["sign-in-with-x"]).toBeTruthy();
    });
  },
);
