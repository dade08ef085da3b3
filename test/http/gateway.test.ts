import { createHash } from "node:crypto";
import http from "node:http";
import { decodePaymentRequiredHeader } from "@x402/core/http";
import { declarePaymentIdentifierExtension } from "@x402/extensions/payment-identifier";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { endpoints, ledgerEntries } from "@/db/schema";
import { checkLedger, getBalance } from "@/lib/ledger";
import type { RunningApp } from "@/lib/server/start";
import { checksumWallet } from "@/lib/wallet";
import { createEndpoint, fundedWallet } from "@/test/helpers/endpoints";
import { freePort } from "@/test/helpers/net";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import { startTestApp } from "@/test/helpers/server";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";

describe.each(["fast", "next"] as const)("gateway (%s door)", (door) => {
  let app: RunningApp;
  let origin: Origin;
  let ep: Awaited<ReturnType<typeof createEndpoint>>;

  const call = (path: string, wallet: string | undefined, init: RequestInit = {}) =>
    fetch(`${app.url}${path}`, {
      ...init,
      headers: { ...(wallet && { "x-wallet-address": wallet }), ...(init.headers as object) },
    });
  const balanceOf = (wallet: string, endpointId = ep.id) =>
    getBalance(app.ctx.db, { endpointId, wallet });
  const entriesOf = (wallet: string) =>
    app.ctx.db
      .select({ kind: ledgerEntries.kind, delta: ledgerEntries.delta })
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.endpointId, ep.id), eq(ledgerEntries.wallet, wallet)))
      .orderBy(ledgerEntries.id);

  beforeAll(async () => {
    origin = await startOrigin();
    app = await startTestApp({ door, target });
    ep = await createEndpoint(app.ctx, origin.url, {
      creditsPerCall: 2n,
      timeoutMs: 500,
      apiSchema: {
        version: 1,
        routes: [
          { path: "/items/{id}", method: "GET", summary: "One item", credits: 3 },
          { path: "/analyze", method: "POST", summary: "Analyze", credits: 5 },
          { path: "/free-text", method: "GET", summary: "No cost given: per-call price" },
        ],
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    await origin?.close();
  });

  it("debits, forwards method, path, query, body and headers, and reports credits", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const res = await call(
      `/e/${ep.slug}/echo/deep?x=1&y=two`,
      wallet.toUpperCase().replace("0X", "0x"),
      {
        method: "PUT",
        body: "hello",
        headers: {
          "content-type": "text/plain",
          "x-api-key": "caller-must-not-set-this",
          connection: "x-secret-hop",
          "x-secret-hop": "1",
          "x-trace": "abc",
        },
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("x-credits-charged")).toBe("2");
    expect(res.headers.get("x-credits-remaining")).toBe("8");
    expect(res.headers.get("x-origin")).toBe("yes");
    const seen = (await res.json()) as {
      method: string;
      url: string;
      body: string;
      headers: Record<string, string>;
    };
    expect(seen).toMatchObject({ method: "PUT", url: "/echo/deep?x=1&y=two", body: "hello" });
    expect(seen.headers["x-api-key"]).toBe(ep.originKey);
    expect(seen.headers["x-wallet-address"]?.toLowerCase()).toBe(wallet);
    expect(seen.headers["x-trace"]).toBe("abc");
    expect(await balanceOf(wallet)).toBe(8n);
  });

  it("drops hop-by-hop headers, including those the Connection header names", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const { status, body } = await rawGet(`${app.url}/e/${ep.slug}/echo`, {
      "x-wallet-address": wallet,
      connection: "keep-alive, x-secret-hop",
      "x-secret-hop": "1",
      "proxy-authorization": "Basic eA==",
      te: "trailers",
    });
    expect(status).toBe(200);
    const headers = (JSON.parse(body) as { headers: Record<string, string> }).headers;
    expect(headers["x-secret-hop"]).toBeUndefined();
    expect(headers["proxy-authorization"]).toBeUndefined();
    expect(headers.te).toBeUndefined();
  });

  it("never forwards our own credentials: session cookie, wallet tokens, API keys", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    for (const [headers, check] of [
      [
        { cookie: "theme=dark; x402c_session=abc.def; lang=en" },
        (h: Record<string, string>) => expect(h.cookie).toBe("theme=dark; lang=en"),
      ],
      [
        { cookie: "x402c_session=abc.def" },
        (h: Record<string, string>) => expect(h.cookie).toBeUndefined(),
      ],
      [
        { authorization: "Bearer xc_at_secret" },
        (h: Record<string, string>) => expect(h.authorization).toBeUndefined(),
      ],
      [
        { authorization: "Bearer xc_sk_secret" },
        (h: Record<string, string>) => expect(h.authorization).toBeUndefined(),
      ],
      [
        { authorization: "Bearer origin-token" },
        (h: Record<string, string>) => expect(h.authorization).toBe("Bearer origin-token"),
      ],
    ] as const) {
      const res = await call(`/e/${ep.slug}/echo`, wallet, { headers });
      check(((await res.json()) as { headers: Record<string, string> }).headers);
    }
  });

  it("serves the long form /api/public/endpoints/SLUG the same way", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const res = await call(`/api/public/endpoints/${ep.slug}`, wallet);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { url: string }).url).toBe("/");
    expect(res.headers.get("x-credits-remaining")).toBe("8");
  });

  it.each([
    ["GET", "/items/42", 3n],
    ["GET", "/items/42/", 3n],
    ["GET", "/items/42/extra", 2n],
    ["POST", "/analyze", 5n],
    ["GET", "/analyze", 2n],
    ["GET", "/free-text", 2n],
    ["DELETE", "/anything", 2n],
  ])("prices %s %s at %s credits", async (method, path, cost) => {
    const wallet = await fundedWallet(app.ctx, ep.id, 100n);
    const res = await call(`/e/${ep.slug}${path}`, wallet, { method });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-credits-charged")).toBe(String(cost));
    expect(await balanceOf(wallet)).toBe(100n - cost);
  });

  it("answers 402 without calling the origin, with the x402 challenge in header and body", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 4n);
    const hits = origin.hits();
    const res = await call(`/e/${ep.slug}/analyze`, wallet, { method: "POST", body: "{}" });
    expect(res.status).toBe(402);
    expect(origin.hits()).toBe(hits);
    expect(await balanceOf(wallet)).toBe(4n);

    const purchaseUrl = `${app.ctx.config.publicUrl}/api/credits/purchase?endpoint=${ep.slug}&pack=starter`;
    const accepts = {
      scheme: "exact",
      network: "eip155:31337",
      amount: "1000000",
      asset: app.ctx.payments.asset.address,
      payTo: checksumWallet(ep.payTo),
      maxTimeoutSeconds: 60,
      extra: { name: "USDC", version: "2", pack: "starter", credits: "100" },
    };
    const header = decodePaymentRequiredHeader(res.headers.get("payment-required") ?? "");
    expect(header).toEqual({
      x402Version: 2,
      error: "insufficient_credits",
      resource: {
        url: purchaseUrl,
        description: `Starter pack: 100 credits for ${ep.slug}`,
        mimeType: "application/json",
      },
      accepts: [accepts],
      // A returning customer proves its wallet by signing in instead of paying again; a
      // payment may carry its own idempotency key; the call is described for x402 catalogs
      // (test/http/discovery.test.ts has the details).
      extensions: {
        "payment-identifier": declarePaymentIdentifierExtension(false),
        "sign-in-with-x": expect.objectContaining({ supportedChains: expect.any(Array) }),
        bazaar: expect.objectContaining({ routeTemplate: `/e/${ep.slug}/analyze` }),
      },
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      ...header,
      purchaseUrl,
      packs: [
        {
          id: "starter",
          name: "Starter",
          credits: 100,
          price: "1.00",
          amount: "1000000",
          purchaseUrl,
        },
        {
          id: "bulk",
          name: "Bulk",
          credits: 1000,
          price: "8.50",
          amount: "8500000",
          purchaseUrl: purchaseUrl.replace("pack=starter", "pack=bulk"),
        },
      ],
      endpoint: ep.slug,
      credits: 4,
      required: 5,
      api_schema: expect.objectContaining({ version: 1, routes: expect.any(Array) }),
    });
  });

  it("answers 402 with credits 0 for a wallet that never bought", async () => {
    const res = await call(`/e/${ep.slug}/x`, await fundedWallet(app.ctx, ep.id, 0n));
    expect(res.status).toBe(402);
    expect(await res.json()).toMatchObject({ credits: 0, required: 2 });
  });

  it("refunds when the origin is unreachable (502)", async () => {
    const down = await createEndpoint(app.ctx, `http://127.0.0.1:${await freePort()}`);
    const wallet = await fundedWallet(app.ctx, down.id, 5n);
    const res = await call(`/e/${down.slug}/x`, wallet);
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: { code: "origin_unavailable" } });
    expect(res.headers.get("x-credits-charged")).toBe("0");
    expect(res.headers.get("x-credits-remaining")).toBe("5");
    expect(await balanceOf(wallet, down.id)).toBe(5n);
  });

  it("refunds when the origin does not answer in time (504)", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 5n);
    const started = Date.now();
    const res = await call(`/e/${ep.slug}/slow?ms=3000`, wallet);
    expect(res.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(await res.json()).toMatchObject({ error: { code: "origin_timeout" } });
    expect(await balanceOf(wallet)).toBe(5n);
    expect(await entriesOf(wallet)).toEqual([
      { kind: "grant", delta: 5n },
      { kind: "consume", delta: -2n },
      { kind: "refund", delta: 2n },
    ]);
  });

  it("passes an origin 5xx through and refunds it when refundOnError is on", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 5n);
    const res = await call(`/e/${ep.slug}/fail`, wallet);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe("boom");
    expect(res.headers.get("x-credits-charged")).toBe("0");
    expect(res.headers.get("x-credits-remaining")).toBe("5");
    expect(await balanceOf(wallet)).toBe(5n);
  });

  it("keeps the charge for an origin 5xx when refundOnError is off", async () => {
    const strict = await createEndpoint(app.ctx, origin.url, { refundOnError: false });
    const wallet = await fundedWallet(app.ctx, strict.id, 5n);
    const res = await call(`/e/${strict.slug}/fail`, wallet);
    expect(res.status).toBe(500);
    expect(res.headers.get("x-credits-charged")).toBe("1");
    expect(await balanceOf(wallet, strict.id)).toBe(4n);
  });

  it("charges a retried Idempotency-Key once and replays the first answer", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const hits = origin.hits();
    const send = () =>
      call(`/e/${ep.slug}/echo`, wallet, {
        method: "POST",
        body: "once",
        headers: { "idempotency-key": "order_42" },
      });
    const first = await send();
    const firstBody = await first.text();
    const second = await send();
    expect(second.status).toBe(200);
    expect(await second.text()).toBe(firstBody);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(second.headers.get("x-credits-charged")).toBe("0");
    expect(second.headers.get("x-credits-remaining")).toBe("8");
    expect(origin.hits()).toBe(hits + 1);
    expect(await balanceOf(wallet)).toBe(8n);
  });

  it("charges racing copies of one Idempotency-Key once; the copy in flight gets 409", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const send = () =>
      call(`/e/${ep.slug}/slow?ms=200`, wallet, { headers: { "idempotency-key": "race-1" } });
    const answers = await Promise.all([send(), send(), send()]);
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409, 409]);
    const conflict = answers.find((r) => r.status === 409);
    expect(conflict?.headers.get("retry-after")).toBe("1");
    expect(await conflict?.json()).toMatchObject({ error: { code: "idempotency_conflict" } });
    expect(await balanceOf(wallet)).toBe(8n);
  });

  it("charges a key again after its call was refunded", async () => {
    const down = await createEndpoint(app.ctx, `http://127.0.0.1:${await freePort()}`);
    const wallet = await fundedWallet(app.ctx, down.id, 5n);
    const send = () => call(`/e/${down.slug}/x`, wallet, { headers: { "idempotency-key": "k" } });
    expect((await send()).status).toBe(502);
    expect((await send()).status).toBe(502);
    expect(await balanceOf(wallet, down.id)).toBe(5n);
  });

  it.each([
    ["unknown endpoint", "/e/no-such-endpoint/x", {}, 404, "endpoint_not_found"],
    ["no slug", "/e/", {}, 404, "endpoint_not_found"],
    ["empty wallet", "/e/SLUG/x", { "x-wallet-address": "" }, 400, "invalid_wallet"],
    ["bad wallet", "/e/SLUG/x", { "x-wallet-address": "0x12" }, 400, "invalid_wallet"],
    ["bad Idempotency-Key", "/e/SLUG/x", { "idempotency-key": "has spaces" }, 400, "bad_request"],
    [
      "long Idempotency-Key",
      "/e/SLUG/x",
      { "idempotency-key": "k".repeat(129) },
      400,
      "bad_request",
    ],
  ])("%s → %s %s, nothing charged", async (_name, path, headers, status, code) => {
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const hits = origin.hits();
    const res = await call(path.replace("SLUG", ep.slug), wallet, { headers });
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ error: { code } });
    expect(origin.hits()).toBe(hits);
    expect(await balanceOf(wallet)).toBe(10n);
  });

  it("answers 503 for a paused endpoint, and serves again within 1 s of resuming", async () => {
    const paused = await createEndpoint(app.ctx, origin.url);
    const wallet = await fundedWallet(app.ctx, paused.id, 100n);
    let served = 0;
    const status = async () => {
      const res = await call(`/e/${paused.slug}/x`, wallet);
      if (res.status === 200) served++;
      return res;
    };
    expect((await status()).status).toBe(200);
    await app.ctx.db.update(endpoints).set({ paused: true }).where(eq(endpoints.id, paused.id));
    await expectWithin(1_000, async () => (await status()).status === 503);
    const res = await status();
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: "endpoint_paused" } });
    await app.ctx.db.update(endpoints).set({ paused: false }).where(eq(endpoints.id, paused.id));
    await expectWithin(1_000, async () => (await status()).status === 200);
    // Paused calls are never charged; every served one is, exactly once.
    expect(await balanceOf(wallet, paused.id)).toBe(100n - BigInt(served));
  });

  it("streams 10 MB responses without buffering them whole", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const res = await call(`/e/${ep.slug}/gated?mb=10`, wallet);
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let received = 0;
    // The origin holds back 9 MB until we have seen bytes: a buffering proxy would hang here.
    while (received < 1024 * 1024) received += (await reader.read()).value?.byteLength ?? 0;
    origin.openGate();
    for (let r = await reader.read(); !r.done; r = await reader.read())
      received += r.value.byteLength;
    expect(received).toBe(10 * 1024 * 1024);
  });

  it("streams 10 MB request bodies to the origin without buffering them whole", async () => {
    // The endpoint's timeout covers the whole upload (one deadline per call): not 500 ms.
    const roomy = await createEndpoint(app.ctx, origin.url, { timeoutMs: 30_000 });
    const wallet = await fundedWallet(app.ctx, roomy.id, 10n);
    const chunk = new Uint8Array(1024 * 1024).fill(3);
    const hash = createHash("sha256");
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        // After the first MB, wait until the origin has begun reading: proves streaming.
        if (sent === 1) await origin.uploadStarted;
        if (sent === 10) return controller.close();
        hash.update(chunk);
        controller.enqueue(chunk);
        sent++;
      },
    });
    const res = await call(`/e/${roomy.slug}/upload`, wallet, {
      method: "POST",
      body,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ size: 10 * 1024 * 1024, sha256: hash.digest("hex") });
  });

  it("stays exact for 500 concurrent calls from 50 wallets with random balances", async () => {
    const lot = await createEndpoint(app.ctx, origin.url);
    const balances = Array.from({ length: 50 }, () => BigInt(Math.floor(Math.random() * 15)));
    const wallets = await Promise.all(balances.map((b) => fundedWallet(app.ctx, lot.id, b)));
    const hits = origin.hits();
    const answers = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        call(`/e/${lot.slug}/c`, wallets[i % 50]).then(async (r) => {
          await r.arrayBuffer();
          return r.status;
        }),
      ),
    );
    const served = answers.filter((s) => s === 200).length;
    const expected = balances.reduce((sum, b) => sum + Math.min(Number(b), 10), 0);
    expect(served).toBe(expected);
    expect(answers.filter((s) => s === 402).length).toBe(500 - expected);
    expect(origin.hits() - hits).toBe(expected);
    for (const [i, wallet] of wallets.entries()) {
      const b = balances[i] as bigint;
      expect(await balanceOf(wallet, lot.id)).toBe(b > 10n ? b - 10n : 0n);
    }
    expect(await checkLedger(app.ctx.db)).toMatchObject({ ok: true });
  });
});

/** A GET with exactly these headers (fetch would drop Connection and friends). */
function rawGet(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

async function expectWithin(ms: number, check: () => Promise<boolean>) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
