import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ledgerEntries } from "@/db/schema";
import { getBalance } from "@/lib/ledger";
import type { RunningApp } from "@/lib/server/start";
import { createEndpoint, fundedWallet } from "@/test/helpers/endpoints";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import { flood, openUpload, rawRequest, rssPeak } from "@/test/helpers/raw-http";
import { startTestApp } from "@/test/helpers/server";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";
const KiB = 1024;
const MiB = 1024 * KiB;

// Hole 3 of issue #11: no body is read whole before its size is known.
describe("request bodies are counted while they stream and cut at their limit", () => {
  let app: RunningApp;
  let origin: Origin;
  let small: Awaited<ReturnType<typeof createEndpoint>>;
  let capped: Awaited<ReturnType<typeof createEndpoint>>;
  let other: Awaited<ReturnType<typeof createEndpoint>>;

  beforeAll(async () => {
    origin = await startOrigin();
    app = await startTestApp({
      door: "fast",
      target,
      env: { GATEWAY_MAX_BODY_BYTES: String(4 * MiB) },
    });
    small = await createEndpoint(app.ctx, origin.url, { maxBodyBytes: MiB } as object);
    // Asks for more than the operator's cap: the cap wins.
    capped = await createEndpoint(app.ctx, origin.url, { maxBodyBytes: 64 * MiB } as object);
    other = await createEndpoint(app.ctx, origin.url);
  });
  afterAll(async () => {
    await app?.close();
    await origin?.close();
  });

  const entriesOf = (endpointId: number, wallet: string) =>
    app.ctx.db
      .select({ kind: ledgerEntries.kind, delta: ledgerEntries.delta })
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.endpointId, endpointId), eq(ledgerEntries.wallet, wallet)))
      .orderBy(ledgerEntries.id);

  it.each(["/api/auth/verify", "/api/auth/token", "/api/dev/faucet", "/api/credits/purchase"])(
    "POST %s with a chunked JSON body over 64 KiB → 413 payload_too_large",
    async (path) => {
      const upload = openUpload(app.url, path, { "content-type": "application/json" });
      await flood(upload, 200 * KiB, 8 * KiB);
      const res = await upload.answer;
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: "payload_too_large" } });
    },
  );

  it("a gateway upload that declares more than the endpoint allows → 413 before any charge", async () => {
    const wallet = await fundedWallet(app.ctx, small.id, 10n);
    const hits = origin.hits();
    const res = await rawRequest(
      app.url,
      "POST",
      `/e/${small.slug}/upload`,
      { "x-wallet-address": wallet, "content-length": String(MiB + 1) },
      "x".repeat(MiB + 1),
    ).catch(() => ({ status: 0, body: "{}", headers: {} }));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: "payload_too_large" } });
    expect(origin.hits()).toBe(hits);
    expect(await getBalance(app.ctx.db, { endpointId: small.id, wallet })).toBe(10n);
  });

  it.each([
    ["the endpoint's own limit", () => small, MiB],
    ["the operator's cap (GATEWAY_MAX_BODY_BYTES)", () => capped, 4 * MiB],
  ])("a chunked gateway upload over %s is cut there: 413, refunded", async (_name, ep, limit) => {
    const wallet = await fundedWallet(app.ctx, ep().id, 10n);
    const upload = openUpload(app.url, `/e/${ep().slug}/upload`, { "x-wallet-address": wallet });
    await flood(upload, limit + MiB);
    const res = await upload.answer;
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: "payload_too_large" } });
    expect(res.headers["x-credits-charged"]).toBe("0");
    expect(await getBalance(app.ctx.db, { endpointId: ep().id, wallet })).toBe(10n);
    expect(await entriesOf(ep().id, wallet)).toEqual([
      { kind: "grant", delta: 10n },
      { kind: "consume", delta: -1n },
      { kind: "refund", delta: 1n },
    ]);
  });

  it("an upload of exactly the limit is forwarded whole", async () => {
    const wallet = await fundedWallet(app.ctx, small.id, 10n);
    const upload = openUpload(app.url, `/e/${small.slug}/upload`, { "x-wallet-address": wallet });
    await flood(upload, MiB);
    const res = await upload.answer;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ size: MiB });
  });

  it("256 MB chunked bodies to a JSON API and the gateway, under load: cut early, memory flat, other calls served", async () => {
    const wallets = await Promise.all(
      Array.from({ length: 20 }, () => fundedWallet(app.ctx, other.id, 100n)),
    );
    const attacker = await fundedWallet(app.ctx, capped.id, 10n);
    const memory = rssPeak();
    const started = Date.now();
    const huge = [
      openUpload(app.url, "/api/auth/verify", { "content-type": "application/json" }),
      openUpload(app.url, `/e/${capped.slug}/upload`, { "x-wallet-address": attacker }),
    ];
    const floods = huge.map((u) => flood(u, 256 * MiB));
    let served = 0;
    const load = (async () => {
      for (let round = 0; round < 10; round++) {
        const answers = await Promise.all(
          wallets.map((w) =>
            fetch(`${app.url}/e/${other.slug}/echo`, { headers: { "x-wallet-address": w } }),
          ),
        );
        for (const a of answers) {
          await a.arrayBuffer();
          if (a.status === 200) served++;
        }
      }
    })();
    const [sentJson, sentGateway] = await Promise.all(floods);
    const statuses = await Promise.all(huge.map((u) => u.answer.then((a) => a.status)));
    await load;
    const { growthMb } = memory.stop();
    expect(statuses).toEqual([413, 413]);
    expect(sentJson).toBeLessThan(64 * MiB);
    expect(sentGateway).toBeLessThan(64 * MiB);
    expect(served).toBe(200);
    expect(growthMb).toBeLessThan(100);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
