import {
  type CompleteSIWxInfo,
  createSIWxPayload,
  encodeSIWxHeader,
  type SIWxExtension,
} from "@x402/extensions/sign-in-with-x";
import { sql } from "drizzle-orm";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signSiwe } from "@/lib/auth/test-helpers";
import { signInChallenge, verifyWalletProof } from "@/lib/auth/wallet-proof";
import { ApiError } from "@/lib/http/errors";
import type { RunningApp } from "@/lib/server/start";
import { startTestApp } from "@/test/helpers/server";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";
const HOUR = 3_600_000;

describe("wallet proof for signed endpoints", () => {
  let app: RunningApp;
  const agent = privateKeyToAccount(generatePrivateKey());
  const other = privateKeyToAccount(generatePrivateKey());
  const wallet = agent.address.toLowerCase();

  const request = (headers: Record<string, string>) =>
    new Request(`${app.ctx.config.publicUrl}/e/demo/x`, { headers });
  const proof = (headers: Record<string, string>) =>
    verifyWalletProof(app.ctx, request(headers), wallet);

  /** A SIGN-IN-WITH-X header answering a fresh challenge, with `change` applied to its info. */
  const siwx = async (
    signer = agent,
    change: Partial<CompleteSIWxInfo> = {},
    requestUrl = app.ctx.config.publicUrl,
  ) => {
    const ext = (await signInChallenge(app.ctx, "/e/demo/x"))["sign-in-with-x"] as SIWxExtension;
    const chain = ext.supportedChains[0];
    if (!chain) throw new Error("no chain in the challenge");
    const info = { ...ext.info, chainId: chain.chainId, type: chain.type, ...change };
    return encodeSIWxHeader(await createSIWxPayload(info, signer, requestUrl));
  };
  const token = async (signer = agent) => {
    const nonceRes = await fetch(`${app.url}/api/auth/nonce?purpose=token`);
    const { nonce } = (await nonceRes.json()) as { nonce: string };
    const server = { publicUrl: app.ctx.config.publicUrl, chainId: app.ctx.payments.chainId };
    return fetch(`${app.url}/api/auth/token`, {
      method: "POST",
      body: JSON.stringify(await signSiwe(signer, server, { nonce })),
    });
  };
  const tokenOf = async (signer = agent) =>
    ((await (await token(signer)).json()) as { token: string }).token;

  /** The refusal, which must be 401 wallet_proof_required with a usable challenge. */
  async function refusal(p: Promise<void>): Promise<ApiError> {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiError);
    const api = err as ApiError;
    expect(api.code).toBe("wallet_proof_required");
    expect(api.details).toMatchObject({
      extensions: {
        "sign-in-with-x": {
          info: {
            nonce: expect.stringMatching(/^[0-9a-f]{56}$/),
            uri: `${app.ctx.config.publicUrl}/e/demo/x`,
          },
        },
      },
      tokenUrl: `${app.ctx.config.publicUrl}/api/auth/token`,
      nonceUrl: `${app.ctx.config.publicUrl}/api/auth/nonce?purpose=token`,
    });
    return api;
  }

  beforeAll(async () => {
    app = await startTestApp({ door: "next", target });
  });
  afterAll(() => app?.close());

  it("challenges with this server's domain, URI, chain and a fresh nonce", async () => {
    const publicUrl = new URL(app.ctx.config.publicUrl);
    const [a, b] = [await signInChallenge(app.ctx, "/e/demo"), await signInChallenge(app.ctx)];
    expect(a).toEqual({
      "sign-in-with-x": {
        info: expect.objectContaining({
          domain: publicUrl.host,
          uri: `${publicUrl.origin}/e/demo`,
          version: "1",
          nonce: expect.any(String),
          issuedAt: expect.any(String),
          expirationTime: expect.any(String),
        }),
        supportedChains: [{ chainId: app.ctx.payments.network, type: "eip191" }],
        schema: expect.objectContaining({ type: "object" }),
      },
    });
    const nonceOf = (c: Record<string, unknown>) =>
      (c["sign-in-with-x"] as SIWxExtension).info.nonce;
    expect(nonceOf(a)).not.toBe(nonceOf(b));
  });

  it("accepts a genuine SIGN-IN-WITH-X once", async () => {
    const header = await siwx();
    await expect(proof({ "sign-in-with-x": header })).resolves.toBeUndefined();
    const replay = await refusal(proof({ "sign-in-with-x": header }));
    expect(replay.message).toMatch(/nonce/);
  });

  it("a forged header does not burn the nonce it carries", async () => {
    const genuine = await siwx();
    const payload = JSON.parse(Buffer.from(genuine, "base64").toString());
    const forged = Buffer.from(
      JSON.stringify({ ...payload, signature: `0x${"11".repeat(65)}` }),
    ).toString("base64");
    await refusal(proof({ "sign-in-with-x": forged }));
    await expect(proof({ "sign-in-with-x": genuine })).resolves.toBeUndefined();
  });

  it("issues a 15-minute token bound to the wallet, and accepts it", async () => {
    const res = await token();
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; address: string; expiresAt: string };
    expect(body).toEqual({
      token: expect.stringMatching(/^xc_at_[0-9A-Za-z]{32}$/),
      address: agent.address,
      expiresAt: expect.any(String),
    });
    const ttl = Date.parse(body.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(14 * 60_000);
    expect(ttl).toBeLessThanOrEqual(15 * 60_000 + 5_000);
    await expect(proof({ authorization: `Bearer ${body.token}` })).resolves.toBeUndefined();
  });

  it("refuses a session nonce for a token", async () => {
    const { nonce } = (await (await fetch(`${app.url}/api/auth/nonce`)).json()) as {
      nonce: string;
    };
    const server = { publicUrl: app.ctx.config.publicUrl, chainId: app.ctx.payments.chainId };
    const res = await fetch(`${app.url}/api/auth/token`, {
      method: "POST",
      body: JSON.stringify(await signSiwe(agent, server, { nonce })),
    });
    expect(res.status).toBe(401);
  });

  it.each<[string, () => Promise<Record<string, string>>, RegExp]>([
    ["no proof (header only)", async () => ({}), /needs proof/],
    ["someone else's bearer token", async () => ({ authorization: "Bearer abc" }), /needs proof/],
    [
      "another wallet's SIWX",
      async () => ({ "sign-in-with-x": await siwx(other) }),
      /different wallet/,
    ],
    [
      "another wallet's signature",
      async () => {
        const header = await siwx(other);
        const payload = JSON.parse(Buffer.from(header, "base64").toString());
        const claimed = { ...payload, address: agent.address };
        return { "sign-in-with-x": Buffer.from(JSON.stringify(claimed)).toString("base64") };
      },
      /Signature verification failed/,
    ],
    [
      "an expired SIWX",
      async () => ({
        "sign-in-with-x": await siwx(agent, {
          expirationTime: new Date(Date.now() - 1000).toISOString(),
        }),
      }),
      /expired/,
    ],
    [
      "an old SIWX",
      async () => ({
        "sign-in-with-x": await siwx(agent, {
          issuedAt: new Date(Date.now() - HOUR).toISOString(),
        }),
      }),
      /too old/,
    ],
    [
      "a SIWX for another domain",
      async () => ({
        "sign-in-with-x": await siwx(
          agent,
          { domain: "evil.example", uri: "https://evil.example/e/demo/x" },
          "https://evil.example/",
        ),
      }),
      /Domain mismatch/,
    ],
    [
      "a SIWX for another chain",
      async () => ({ "sign-in-with-x": await siwx(agent, { chainId: "eip155:1" }) }),
      /eip155:1/,
    ],
    [
      "a SIWX with a nonce we never issued",
      async () => ({ "sign-in-with-x": await siwx(agent, { nonce: "ab".repeat(28) }) }),
      /nonce/,
    ],
    ["a malformed SIWX", async () => ({ "sign-in-with-x": "not base64!" }), /malformed/],
    [
      "a tampered token",
      async () => {
        const t = await tokenOf();
        return { authorization: `Bearer ${t.slice(0, -1)}${t.endsWith("A") ? "B" : "A"}` };
      },
      /invalid or expired/,
    ],
    [
      "another wallet's token",
      async () => ({ authorization: `Bearer ${await tokenOf(other)}` }),
      /different wallet/,
    ],
  ])("refuses %s", async (_name, headers, message) => {
    const err = await refusal(proof(await headers()));
    expect(err.message).toMatch(message);
  });

  it("refuses an expired token", async () => {
    const t = await tokenOf();
    await app.ctx.db.execute(
      sql`update wallet_tokens set expires_at = now() - interval '1 second'`,
    );
    const err = await refusal(proof({ authorization: `Bearer ${t}` }));
    expect(err.message).toMatch(/invalid or expired/);
  });
});
