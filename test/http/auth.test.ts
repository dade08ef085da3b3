import { sql } from "drizzle-orm";
import { getAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createSession } from "@/lib/auth/session";
import { signSiwe } from "@/lib/auth/test-helpers";
import { walletOfToken } from "@/lib/auth/wallet-tokens";
import { compileSolidity } from "@/lib/chain/compile";
import { anvilAccount, devnetWalletClient } from "@/lib/chain/devnet";
import type { RunningApp } from "@/lib/server/start";
import { startTestApp } from "@/test/helpers/server";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";
const HOUR = 3_600_000;
// A minimal contract wallet (EIP-1271): a signature is valid when its owner EOA signed the hash.
const WALLET_SOURCE = `
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
contract OwnedWallet {
  address public immutable owner;
  constructor(address owner_) { owner = owner_; }
  function isValidSignature(bytes32 hash, bytes memory sig) external view returns (bytes4) {
    if (sig.length != 65) return 0xffffffff;
    bytes32 r; bytes32 s; uint8 v;
    assembly { r := mload(add(sig, 0x20)) s := mload(add(sig, 0x40)) v := byte(0, mload(add(sig, 0x60))) }
    return ecrecover(hash, v, r, s) == owner ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
  }
}`;

describe("SIWE sessions and provider API keys", () => {
  let app: RunningApp;
  let server: { publicUrl: string; chainId: number };
  const alice = privateKeyToAccount(generatePrivateKey());
  const mallory = privateKeyToAccount(generatePrivateKey());

  const call = (path: string, init: RequestInit = {}) => fetch(`${app.url}${path}`, init);
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    call(path, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
  const nonce = async (purpose = "session") =>
    ((await (await call(`/api/auth/nonce?purpose=${purpose}`)).json()) as { nonce: string }).nonce;
  /** Signs in and returns the `name=value` pair to send back as Cookie. */
  const signIn = async (account = alice) => {
    const res = await post(
      "/api/auth/verify",
      await signSiwe(account, server, { nonce: await nonce() }),
    );
    expect(res.status).toBe(200);
    return (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  };
  const session = (cookie: string) => call("/api/auth/session", { headers: { cookie } });

  beforeAll(async () => {
    app = await startTestApp({ door: "next", target });
    server = { publicUrl: app.ctx.config.publicUrl, chainId: app.ctx.payments.chainId };
  });
  afterAll(() => app?.close());

  it("signs in, reads the session, logs out, and the cookie is dead", async () => {
    const res = await post(
      "/api/auth/verify",
      await signSiwe(alice, server, { nonce: await nonce() }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ address: alice.address });
    const setCookie = res.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^x402c_session=[\w-]{43}\.[\w-]{43}; /);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).toMatch(/Max-Age=604800/);
    expect(setCookie).not.toMatch(/Secure/); // PUBLIC_URL is http here
    const cookie = setCookie.split(";")[0] ?? "";

    expect(await (await session(cookie)).json()).toEqual({ address: alice.address });
    const out = await call("/api/auth/logout", { method: "POST", headers: { cookie } });
    expect(await out.json()).toEqual({ ok: true });
    expect(out.headers.get("set-cookie")).toMatch(/^x402c_session=; .*Max-Age=0/);
    const after = await session(cookie);
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ error: { code: "authentication_required" } });
  });

  it("marks the cookie Secure when PUBLIC_URL is https", async () => {
    const https = {
      ...app.ctx,
      config: { ...app.ctx.config, publicUrl: "https://credits.example" },
    };
    const { setCookie } = await createSession(https, alice.address.toLowerCase());
    expect(setCookie).toMatch(/; Secure$/);
  });

  it("signs in a contract wallet (EIP-1271) through the chain's RPC", async () => {
    const { abi, bytecode } = compileSolidity("OwnedWallet", WALLET_SOURCE);
    const target = { rpcUrl: app.ctx.chain.rpcUrl, chainId: server.chainId };
    const hash = await devnetWalletClient(target, anvilAccount(5)).deployContract({
      abi,
      bytecode,
      args: [alice.address],
    });
    const receipt = await app.ctx.chain.publicClient.waitForTransactionReceipt({ hash });
    if (!receipt.contractAddress) throw new Error("wallet deployment failed");
    const wallet = getAddress(receipt.contractAddress);
    // The owner's key signs; the message names the contract.
    const signer = { ...alice, address: wallet };
    const res = await post(
      "/api/auth/verify",
      await signSiwe(signer, server, { nonce: await nonce() }),
    );
    expect(await res.json()).toEqual({ address: wallet });
    const stranger = { ...mallory, address: wallet };
    const refused = await post(
      "/api/auth/verify",
      await signSiwe(stranger, server, { nonce: await nonce() }),
    );
    expect(refused.status).toBe(401);
  });

  it("a refused message does not burn its nonce", async () => {
    const n = await nonce();
    const forged = await signSiwe(mallory, server, { nonce: n, address: alice.address });
    expect((await post("/api/auth/verify", forged)).status).toBe(401);
    expect(
      (await post("/api/auth/verify", await signSiwe(alice, server, { nonce: n }))).status,
    ).toBe(200);
  });

  it.each<[string, () => Promise<unknown>, RegExp]>([
    ["unknown nonce", async () => signSiwe(alice, server, { nonce: "abcdefgh12345678" }), /nonce/],
    ["token nonce", async () => signSiwe(alice, server, { nonce: await nonce("token") }), /nonce/],
    [
      "another domain",
      async () =>
        signSiwe(alice, server, {
          nonce: await nonce(),
          domain: "evil.example",
          uri: "https://evil.example/",
        }),
      /domain "evil.example"/,
    ],
    [
      "a URI elsewhere",
      async () => signSiwe(alice, server, { nonce: await nonce(), uri: "https://evil.example/" }),
      /URI/,
    ],
    [
      "wrong chain",
      async () => signSiwe(alice, server, { nonce: await nonce(), chainId: 1 }),
      /chain 1/,
    ],
    [
      "expired",
      async () =>
        signSiwe(alice, server, {
          nonce: await nonce(),
          issuedAt: new Date(Date.now() - 2 * HOUR),
          expirationTime: new Date(Date.now() - HOUR),
        }),
      /expired/,
    ],
    [
      "issued in the future",
      async () =>
        signSiwe(alice, server, { nonce: await nonce(), issuedAt: new Date(Date.now() + HOUR) }),
      /future/,
    ],
    [
      "not yet valid",
      async () =>
        signSiwe(alice, server, { nonce: await nonce(), notBefore: new Date(Date.now() + HOUR) }),
      /Not Before/,
    ],
    [
      "someone else's signature",
      async () => signSiwe(mallory, server, { nonce: await nonce(), address: alice.address }),
      /signature/,
    ],
    ["garbage", async () => ({ message: "hello", signature: "0x1234" }), /EIP-4361/],
  ])("refuses %s with 401 invalid_signature", async (_name, body, message) => {
    const res = await post("/api/auth/verify", await body());
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: "invalid_signature", message } });
  });

  it("accepts a nonce once, even under concurrent replays", async () => {
    const signed = await signSiwe(alice, server, { nonce: await nonce() });
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => post("/api/auth/verify", signed)),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([200, 401, 401, 401, 401]);
    const again = await post("/api/auth/verify", signed);
    expect(again.status).toBe(401);
    expect(await again.json()).toMatchObject({ error: { code: "invalid_signature" } });
  });

  it.each([
    ["no signature", { message: "x" }, 422, "invalid_field"],
    ["non-hex signature", { message: "x", signature: "abc" }, 422, "invalid_field"],
    ["not JSON", "{", 400, "invalid_json"],
  ])("refuses a body with %s", async (_name, body, status, code) => {
    const res = await call("/api/auth/verify", {
      method: "POST",
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ error: { code } });
  });

  it.each([
    ["an Origin elsewhere", { origin: "https://evil.example" }],
    ["a sibling host's Origin", { origin: "http://evil.127.0.0.1.nip.io" }],
    ["the opaque Origin null", { origin: "null" }],
    ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
  ])("sign-in and sign-out refuse %s with 403, changing nothing", async (_name, headers) => {
    const n = await nonce();
    const signed = await signSiwe(alice, server, { nonce: n });
    const refused = await post("/api/auth/verify", signed, headers);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: "forbidden" } });
    expect(refused.headers.get("set-cookie")).toBeNull();
    // The refusal did not burn the nonce: the same message signs in from our own page.
    const ours = await post("/api/auth/verify", signed, { origin: server.publicUrl });
    expect(ours.status).toBe(200);
    const cookie = (ours.headers.get("set-cookie") ?? "").split(";")[0] ?? "";

    const out = await call("/api/auth/logout", { method: "POST", headers: { cookie, ...headers } });
    expect(out.status).toBe(403);
    expect(out.headers.get("set-cookie")).toBeNull();
    expect((await session(cookie)).status).toBe(200);
  });

  it.each(["/api/auth/verify", "/api/auth/token"])(
    "%s refuses a message issued longer ago than a nonce lives (10 minutes)",
    async (path) => {
      const n = await nonce(path.endsWith("token") ? "token" : "session");
      const stale = await signSiwe(alice, server, {
        nonce: n,
        issuedAt: new Date(Date.now() - 11 * 60_000),
      });
      const res = await post(path, stale);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({
        error: { code: "invalid_signature", message: expect.stringMatching(/Issued At/) },
      });
      // Still inside the window: accepted (and this proves the nonce was not burnt).
      const fresh = await signSiwe(alice, server, {
        nonce: n,
        issuedAt: new Date(Date.now() - 9 * 60_000),
      });
      expect((await post(path, fresh)).status).toBe(200);
    },
  );

  it("signing out also revokes the wallet's bearer tokens, and only that wallet's", async () => {
    const token = async (account = alice) => {
      const signed = await signSiwe(account, server, { nonce: await nonce("token") });
      return ((await (await post("/api/auth/token", signed)).json()) as { token: string }).token;
    };
    const mine = await token();
    const theirs = await token(mallory);
    expect(await walletOfToken(app.ctx.db, mine)).toBe(alice.address.toLowerCase());
    const cookie = await signIn();
    const out = await call("/api/auth/logout", { method: "POST", headers: { cookie } });
    expect(out.status).toBe(200);
    expect(await walletOfToken(app.ctx.db, mine)).toBeNull();
    expect(await walletOfToken(app.ctx.db, theirs)).toBe(mallory.address.toLowerCase());
  });

  it("refuses tampered, forged and expired cookies", async () => {
    const cookie = await signIn();
    const [name, value = ""] = cookie.split("=");
    const [id = "", mac = ""] = value.split(".");
    const flip = (s: string) => `${s.slice(0, -1)}${s.endsWith("A") ? "B" : "A"}`;
    for (const bad of [`${flip(id)}.${mac}`, `${id}.${flip(mac)}`, id, `${id}.${mac}.x`, ""]) {
      expect((await session(`${name}=${bad}`)).status).toBe(401);
    }
    expect((await session(cookie)).status).toBe(200);
    await app.ctx.db.execute(sql`update sessions set expires_at = now() - interval '1 second'`);
    expect((await session(cookie)).status).toBe(401);
  });

  describe("API keys", () => {
    let cookie: string;
    const keys = (headers: Record<string, string>, init: RequestInit = {}) =>
      call("/api/provider/keys", { ...init, headers });
    const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

    beforeAll(async () => {
      cookie = await signIn();
    });

    it("creates (session), authenticates, lists without secrets, revokes at once", async () => {
      const created = await post("/api/provider/keys", { name: "CI" }, { cookie });
      expect(created.status).toBe(201);
      const { key, apiKey } = (await created.json()) as { key: string; apiKey: { id: string } };
      expect(key).toMatch(/^xc_sk_[0-9A-Za-z]{32}$/);
      expect(apiKey).toEqual({
        id: expect.any(String),
        name: "CI",
        prefix: key.slice(0, 10),
        createdAt: expect.any(String),
        lastUsedAt: null,
      });

      const listed = await keys(bearer(key));
      expect(listed.status).toBe(200);
      const text = await listed.text();
      expect(text).not.toContain(key);
      expect(JSON.parse(text).keys).toContainEqual(
        expect.objectContaining({ id: apiKey.id, lastUsedAt: expect.any(String) }),
      );

      const gone = await keys({ cookie }, { method: "DELETE" });
      expect(gone.status).toBe(400); // no id
      const revoked = await call(`/api/provider/keys?id=${apiKey.id}`, {
        method: "DELETE",
        headers: { cookie },
      });
      expect(await revoked.json()).toEqual({ revoked: true });
      const refused = await keys(bearer(key));
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ error: { code: "authentication_required" } });
      const twice = await call(`/api/provider/keys?id=${apiKey.id}`, {
        method: "DELETE",
        headers: { cookie },
      });
      expect(twice.status).toBe(404);
    });

    it("a key can neither mint nor revoke keys", async () => {
      const { key, apiKey } = (await (
        await post("/api/provider/keys", { name: "leaky" }, { cookie })
      ).json()) as { key: string; apiKey: { id: string } };
      expect((await post("/api/provider/keys", { name: "more" }, bearer(key))).status).toBe(401);
      const del = await call(`/api/provider/keys?id=${apiKey.id}`, {
        method: "DELETE",
        headers: bearer(key),
      });
      expect(del.status).toBe(401);
    });

    it("a provider sees and revokes only its own keys", async () => {
      const { apiKey } = (await (
        await post("/api/provider/keys", { name: "alice's" }, { cookie })
      ).json()) as { apiKey: { id: string } };
      const other = await signIn(mallory);
      const list = (await (await keys({ cookie: other })).json()) as { keys: unknown[] };
      expect(list.keys).toEqual([]);
      const del = await call(`/api/provider/keys?id=${apiKey.id}`, {
        method: "DELETE",
        headers: { cookie: other },
      });
      expect(del.status).toBe(404);
    });

    it.each([
      ["no credentials", {}, 401, "authentication_required"],
      [
        "an unknown key",
        { authorization: `Bearer xc_sk_${"a".repeat(32)}` },
        401,
        "authentication_required",
      ],
      ["a malformed key", { authorization: "Bearer xc_sk_short" }, 401, "authentication_required"],
    ])("GET with %s is refused", async (_name, headers, status, code) => {
      const res = await keys(headers);
      expect(res.status).toBe(status);
      expect(await res.json()).toMatchObject({ error: { code } });
    });

    it("refuses cross-origin session writes and bad input", async () => {
      const cross = await post(
        "/api/provider/keys",
        { name: "x" },
        { cookie, origin: "https://evil.example" },
      );
      expect(cross.status).toBe(403);
      expect((await post("/api/provider/keys", { name: " " }, { cookie })).status).toBe(422);
      const badId = await call("/api/provider/keys?id=42", {
        method: "DELETE",
        headers: { cookie },
      });
      expect(badId.status).toBe(400);
      expect((await call("/api/provider/keys", { method: "PUT" })).status).toBe(405);
      expect((await call("/api/auth/verify")).status).toBe(405);
    });
  });
});
