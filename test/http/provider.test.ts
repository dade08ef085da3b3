import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { credit, getBalance } from "@/lib/ledger";
import type { RunningApp } from "@/lib/server/start";
import { randomWallet } from "@/test/helpers/fixtures";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import { asCaller, endpointInput, signIn } from "@/test/helpers/provider";
import { startTestApp } from "@/test/helpers/server";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";
const account = () => privateKeyToAccount(generatePrivateKey());

describe("providers run their endpoints through the API", () => {
  let app: RunningApp;
  let origin: Origin;
  const alice = account();
  const bob = account();
  let asAlice: ReturnType<typeof asCaller>;
  let asBob: ReturnType<typeof asCaller>;

  beforeAll(async () => {
    origin = await startOrigin();
    app = await startTestApp({ door: "fast", target });
    asAlice = asCaller(app, { cookie: await signIn(app, alice) });
    asBob = asCaller(app, { cookie: await signIn(app, bob) });
  });
  afterAll(async () => {
    await app?.close();
    await origin?.close();
  });

  const gateway = (slug: string, wallet: string) =>
    fetch(`${app.url}/e/${slug}/echo`, { headers: { "x-wallet-address": wallet } });

  it("a whole provider life: create → key once → rotate → pause → resume → usage", async () => {
    const created = await asAlice("/api/provider/endpoints", {
      method: "POST",
      json: endpointInput("alice-api", origin.url, { defaultPack: "Standard" }),
    });
    expect(created.status).toBe(201);
    const { endpoint, originKey } = (await created.json()) as {
      endpoint: Record<string, unknown>;
      originKey: string;
    };
    expect(originKey).toMatch(/^xc_ok_/);
    expect(endpoint).toMatchObject({
      slug: "alice-api",
      payTo: alice.address,
      creditsPerCall: 1,
      walletAuth: "header",
      refundOnError: true,
      timeoutMs: 30000,
      paused: false,
      defaultPack: "standard",
      hasOriginKey: true,
      packs: [
        { id: "starter", name: "Starter", credits: 100, price: "1.00", amount: "1000000" },
        { id: "standard", name: "Standard", credits: 1000, price: "8.00", amount: "8000000" },
        { id: "pro", name: "Pro", credits: 10000, price: "50.00", amount: "50000000" },
      ],
    });
    const read = await (await asAlice("/api/provider/endpoints/alice-api")).text();
    expect(read).not.toContain(originKey);

    const wallet = randomWallet();
    const { id } = (await app.ctx.endpoints.get("alice-api")) ?? { id: 0 };
    await credit(app.ctx.db, { endpointId: id, wallet, credits: 10n, kind: "grant" });
    const first = await gateway("alice-api", wallet);
    expect(first.status).toBe(200);
    expect(((await first.json()) as { headers: Record<string, string> }).headers["x-api-key"]).toBe(
      originKey,
    );

    const rotated = (await (
      await asAlice("/api/provider/endpoints/alice-api/rotate-key", { method: "POST" })
    ).json()) as { originKey: string };
    expect(rotated.originKey).toMatch(/^xc_ok_/);
    expect(rotated.originKey).not.toBe(originKey);
    await expectSoon(async () => {
      const seen = (await (await gateway("alice-api", wallet)).json()) as {
        headers: Record<string, string>;
      };
      return seen.headers["x-api-key"] === rotated.originKey;
    });

    expect(
      (await asAlice("/api/provider/endpoints/alice-api/pause", { method: "POST" })).status,
    ).toBe(200);
    await expectSoon(async () => (await gateway("alice-api", wallet)).status === 503);
    expect(
      (await asAlice("/api/provider/endpoints/alice-api/resume", { method: "POST" })).status,
    ).toBe(200);
    await expectSoon(async () => (await gateway("alice-api", wallet)).status === 200);

    const usage = (await (
      await asAlice(
        "/api/provider/endpoints/alice-api/usage?bucket=hour&from=" +
          new Date(Date.now() - 3_600_000).toISOString(),
      )
    ).json()) as {
      series: { calls: number; credits: number; wallets: number }[];
      activeWallets: number;
    };
    expect(usage.activeWallets).toBe(1);
    const totals = usage.series.reduce(
      (t, p) => ({
        calls: t.calls + p.calls,
        credits: t.credits + p.credits,
        wallets: Math.max(t.wallets, p.wallets),
      }),
      { calls: 0, credits: 0, wallets: 0 },
    );
    const served = 10 - Number(await getBalance(app.ctx.db, { endpointId: id, wallet }));
    expect(totals).toEqual({ calls: served, credits: served, wallets: 1 });
    expect(served).toBeGreaterThanOrEqual(3);

    const customers = (await (
      await asAlice("/api/provider/endpoints/alice-api/customers")
    ).json()) as { customers: { wallet: string; calls: number }[] };
    expect(customers.customers).toEqual([
      expect.objectContaining({
        wallet: expect.stringMatching(new RegExp(wallet.slice(2), "i")),
        calls: served,
      }),
    ]);
    const csv = await asAlice("/api/provider/endpoints/alice-api/ledger?format=csv");
    expect(csv.headers.get("content-type")).toMatch(/text\/csv/);
    expect((await csv.text()).split("\r\n")[0]).toBe(
      "id,wallet,kind,delta,balanceAfter,reference,createdAt",
    );
  });

  it("isolation: provider B can neither see nor change provider A's endpoint", async () => {
    await asAlice("/api/provider/endpoints", {
      method: "POST",
      json: endpointInput("alice-private", origin.url),
    });
    const before = await (await asAlice("/api/provider/endpoints/alice-private")).json();
    const attempts: [string, RequestInit & { json?: unknown }][] = [
      ["/api/provider/endpoints/alice-private", {}],
      ["/api/provider/endpoints/alice-private", { method: "PATCH", json: { name: "pwned" } }],
      ["/api/provider/endpoints/alice-private", { method: "DELETE" }],
      ["/api/provider/endpoints/alice-private/rotate-key", { method: "POST" }],
      ["/api/provider/endpoints/alice-private/pause", { method: "POST" }],
      ["/api/provider/endpoints/alice-private/usage", {}],
      ["/api/provider/endpoints/alice-private/customers", {}],
      ["/api/provider/endpoints/alice-private/ledger", {}],
    ];
    for (const [path, init] of attempts) {
      const res = await asBob(path, init);
      expect(res.status, `${init.method ?? "GET"} ${path}`).toBe(404);
    }
    const list = (await (await asBob("/api/provider/endpoints")).json()) as {
      endpoints: unknown[];
    };
    expect(list.endpoints).toEqual([]);
    expect(await (await asAlice("/api/provider/endpoints/alice-private")).json()).toEqual(before);
  });

  it("a buyer reads only its own wallet; nobody reads without a session", async () => {
    const demo = await app.ctx.endpoints.get("demo");
    await credit(app.ctx.db, {
      endpointId: demo?.id ?? 0,
      wallet: bob.address.toLowerCase(),
      credits: 7n,
      kind: "grant",
    });
    const mine = (await (await asBob("/api/me/balances")).json()) as { balances: unknown[] };
    expect(mine.balances).toEqual([{ endpoint: "demo", credits: 7 }]);
    expect(await (await asAlice("/api/me/balances")).json()).toEqual({ balances: [] });
    const history = (await (await asBob("/api/me/history?endpoint=demo")).json()) as {
      entries: { wallet: string }[];
    };
    expect(history.entries.every((e) => e.wallet === bob.address)).toBe(true);
    for (const path of [
      "/api/me/balances",
      "/api/provider/endpoints",
      "/api/me/history?endpoint=demo",
    ]) {
      const res = await fetch(`${app.url}${path}`);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: "authentication_required" } });
    }
  });

  it("API keys: server-to-server calls, consume API, and revocation that bites at once", async () => {
    const made = (await (
      await asAlice("/api/provider/keys", { method: "POST", json: { name: "backend" } })
    ).json()) as { key: string; apiKey: { id: string } };
    const asKey = asCaller(app, { apiKey: made.key });
    await asAlice("/api/provider/endpoints", {
      method: "POST",
      json: endpointInput("alice-selfhosted", origin.url),
    });
    const listed = (await (await asKey("/api/provider/endpoints")).json()) as {
      endpoints: { slug: string }[];
    };
    expect(listed.endpoints.map((e) => e.slug)).toContain("alice-selfhosted");

    const wallet = randomWallet();
    const ep = await app.ctx.endpoints.get("alice-selfhosted");
    await credit(app.ctx.db, { endpointId: ep?.id ?? 0, wallet, credits: 3n, kind: "grant" });
    const consume = (body: unknown) =>
      asKey("/api/credits/consume", { method: "POST", json: body });
    expect(
      await (
        await consume({ endpoint: "alice-selfhosted", wallet, credits: 2, idempotencyKey: "job-1" })
      ).json(),
    ).toEqual({ credits: 1, charged: 2 });
    expect(
      await (
        await consume({ endpoint: "alice-selfhosted", wallet, credits: 2, idempotencyKey: "job-1" })
      ).json(),
    ).toEqual({ credits: 1, charged: 0, replayed: true });
    const short = await consume({ endpoint: "alice-selfhosted", wallet, credits: 2 });
    expect(short.status).toBe(402);
    expect(await short.json()).toMatchObject({
      error: "insufficient_credits",
      credits: 1,
      required: 2,
    });
    expect((await consume({ endpoint: "demo", wallet, credits: 1 })).status).toBe(404);

    expect(
      (await asAlice(`/api/provider/keys?id=${made.apiKey.id}`, { method: "DELETE" })).status,
    ).toBe(200);
    const after = await asKey("/api/provider/endpoints");
    expect(after.status).toBe(401);
  });
});

async function expectSoon(check: () => Promise<boolean>, ms = 1_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
