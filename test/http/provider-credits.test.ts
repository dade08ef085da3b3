import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { checkLedger, getBalance } from "@/lib/ledger";
import type { RunningApp } from "@/lib/server/start";
import { checksumWallet } from "@/lib/wallet";
import { randomWallet } from "@/test/helpers/fixtures";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import { asCaller, endpointInput, signIn } from "@/test/helpers/provider";
import { startTestApp } from "@/test/helpers/server";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";

// #17 point 2: a provider grants trial or goodwill credits and refunds what a buyer consumed.
describe(`provider grants and refunds (${target})`, () => {
  let app: RunningApp;
  let origin: Origin;
  const alice = privateKeyToAccount(generatePrivateKey());
  const bob = privateKeyToAccount(generatePrivateKey());
  let asAlice: ReturnType<typeof asCaller>;
  let asAliceKey: ReturnType<typeof asCaller>;
  let asBob: ReturnType<typeof asCaller>;
  let endpointId: number;
  const slug = "credits-api";

  const balanceOf = (wallet: string) => getBalance(app.ctx.db, { endpointId, wallet });
  const spend = async (wallet: string, calls: number) => {
    for (let i = 0; i < calls; i++) {
      const res = await fetch(`${app.url}/e/${slug}/echo`, {
        headers: { "x-wallet-address": wallet },
      });
      expect(res.status).toBe(200);
      await res.text();
    }
  };

  beforeAll(async () => {
    origin = await startOrigin();
    app = await startTestApp({ door: "fast", target });
    asAlice = asCaller(app, { cookie: await signIn(app, alice) });
    asBob = asCaller(app, { cookie: await signIn(app, bob) });
    const created = await asAlice("/api/provider/endpoints", {
      method: "POST",
      json: endpointInput(slug, origin.url),
    });
    expect(created.status).toBe(201);
    endpointId = (await app.ctx.endpoints.get(slug))?.id ?? 0;
    const key = await asAlice("/api/provider/keys", { method: "POST", json: { name: "ops" } });
    asAliceKey = asCaller(app, { apiKey: ((await key.json()) as { key: string }).key });
  });
  afterAll(async () => {
    await app?.close();
    await origin?.close();
  });

  it("grants credits with a reason the buyer sees, audited, once per idempotency key", async () => {
    const wallet = randomWallet();
    const grant = (key?: string) =>
      asAliceKey(`/api/provider/endpoints/${slug}/grants`, {
        method: "POST",
        json: { wallet, credits: 25, reason: "Trial credits", idempotencyKey: key },
      });
    const first = await grant("trial-1");
    expect(first.status).toBe(201);
    const body = (await first.json()) as { grant: Record<string, unknown> };
    expect(body.grant).toMatchObject({
      kind: "grant",
      wallet: checksumWallet(wallet),
      credits: 25,
      reason: "Trial credits",
      actor: alice.address,
      via: "api_key",
      balance: 25,
    });
    const again = await grant("trial-1");
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ grant: body.grant, replayed: true });
    expect(await balanceOf(wallet)).toBe(25n);

    const listed = await asAlice(`/api/provider/endpoints/${slug}/grants`);
    expect(((await listed.json()) as { grants: unknown[] }).grants).toContainEqual(body.grant);
    // The buyer's own ledger shows the grant and its reason.
    const entries = await app.ctx.db.query.ledgerEntries.findMany({
      where: (e, { and, eq }) => and(eq(e.endpointId, endpointId), eq(e.wallet, wallet)),
    });
    expect(entries.map((e) => [e.kind, e.delta, e.reference])).toEqual([
      ["grant", 25n, "Grant: Trial credits"],
    ]);
  });

  it("refunds consumed credits, never more than the wallet consumed", async () => {
    const wallet = randomWallet();
    await asAlice(`/api/provider/endpoints/${slug}/grants`, {
      method: "POST",
      json: { wallet, credits: 10, reason: "Start" },
    });
    await spend(wallet, 4);
    expect(await balanceOf(wallet)).toBe(6n);
    const refund = (credits: number, key?: string) =>
      asAlice(`/api/provider/endpoints/${slug}/refunds`, {
        method: "POST",
        json: { wallet, credits, reason: "Outage on 27 Nov", idempotencyKey: key },
      });
    const tooMuch = await refund(5);
    expect(tooMuch.status).toBe(409);
    expect(await tooMuch.json()).toMatchObject({ error: { code: "refund_exceeds_consumed" } });
    const ok = await refund(3, "outage");
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({
      refund: { kind: "refund", credits: 3, via: "session", balance: 9 },
    });
    expect((await refund(3, "outage")).status).toBe(200); // replayed, not applied again
    expect((await refund(2)).status).toBe(409); // 1 consumed credit left to refund
    expect((await refund(1)).status).toBe(201);
    expect(await balanceOf(wallet)).toBe(10n);
  });

  it("refuses bad input and other providers' endpoints, changing nothing", async () => {
    const wallet = randomWallet();
    const cases: [ReturnType<typeof asCaller>, string, unknown, number, string][] = [
      [asAlice, "grants", { wallet, credits: 0, reason: "x" }, 422, "invalid_field"],
      [asAlice, "grants", { wallet, credits: 1.5, reason: "x" }, 422, "invalid_field"],
      [asAlice, "grants", { wallet, credits: 5, reason: " " }, 422, "invalid_field"],
      [asAlice, "grants", { wallet: "0x12", credits: 5, reason: "x" }, 400, "invalid_wallet"],
      [asAlice, "grants", { wallet, credits: 5, reason: "x", extra: 1 }, 422, "invalid_field"],
      [asBob, "grants", { wallet, credits: 5, reason: "x" }, 404, "endpoint_not_found"],
      [asBob, "refunds", { wallet, credits: 5, reason: "x" }, 404, "endpoint_not_found"],
    ];
    for (const [as, action, json, status, code] of cases) {
      const res = await as(`/api/provider/endpoints/${slug}/${action}`, { method: "POST", json });
      expect(res.status, JSON.stringify(json)).toBe(status);
      expect(await res.json()).toMatchObject({ error: { code } });
    }
    const anonymous = await fetch(`${app.url}/api/provider/endpoints/${slug}/grants`, {
      method: "POST",
      body: JSON.stringify({ wallet, credits: 5, reason: "x" }),
    });
    expect(anonymous.status).toBe(401);
    expect(await balanceOf(wallet)).toBe(0n);
  });

  it("keeps the ledger exact with 64 concurrent callers granting, refunding and spending", async () => {
    const wallets = Array.from({ length: 8 }, () => randomWallet());
    for (const wallet of wallets)
      await asAlice(`/api/provider/endpoints/${slug}/grants`, {
        method: "POST",
        json: { wallet, credits: 50, reason: "Seed" },
      });
    const results = await Promise.all(
      Array.from({ length: 64 }, async (_, i) => {
        const wallet = wallets[i % wallets.length] as string;
        if (i % 3 === 0) return spend(wallet, 3).then(() => 201);
        const action = i % 3 === 1 ? "grants" : "refunds";
        const res = await asAliceKey(`/api/provider/endpoints/${slug}/${action}`, {
          method: "POST",
          json: { wallet, credits: 2, reason: "Load", idempotencyKey: `load-${i}` },
        });
        return res.status;
      }),
    );
    expect(results.every((s) => s === 201 || s === 409)).toBe(true);
    expect(await checkLedger(app.ctx.db)).toMatchObject({ ok: true });
  });
});
