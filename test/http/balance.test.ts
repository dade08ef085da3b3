import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_BUYER } from "@/lib/demo/accounts";
import { requireEndpoint } from "@/lib/endpoints/find";
import { credit } from "@/lib/ledger";
import type { RunningApp } from "@/lib/server/start";
import { randomWallet } from "@/test/helpers/fixtures";
import { startTestApp } from "@/test/helpers/server";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";
const VALID = "0x52908400098527886E0F7030069857D2E4169EE7"; // EIP-55 test vector

describe.each(["fast", "next"] as const)("GET /api/credits/balance (%s door)", (door) => {
  let app: RunningApp;
  const get = (query: string, wallet?: string, init: RequestInit = {}) =>
    fetch(`${app.url}/api/credits/balance${query}`, {
      ...init,
      headers: wallet === undefined ? {} : { "x-wallet-address": wallet },
    });

  beforeAll(async () => {
    app = await startTestApp({ door, target });
    const demo = await requireEndpoint(app.ctx.db, "demo");
    await credit(app.ctx.db, {
      endpointId: demo.id,
      wallet: VALID.toLowerCase(),
      credits: 4_500n,
      kind: "grant",
    });
  });
  afterAll(() => app?.close());

  it("returns the credits of one endpoint in the seed protocol's shape", async () => {
    const res = await get("?endpoint=demo", VALID);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect(await res.json()).toEqual({ credits: 4500, endpoint: "demo" });
  });

  it("compares wallets case-insensitively", async () => {
    for (const w of [VALID.toLowerCase(), `0x${VALID.slice(2).toUpperCase()}`]) {
      expect(await (await get("?endpoint=demo", w)).json()).toEqual({
        credits: 4500,
        endpoint: "demo",
      });
    }
  });

  it("answers 0 for a wallet that never bought", async () => {
    expect(await (await get("?endpoint=demo", randomWallet())).json()).toEqual({
      credits: 0,
      endpoint: "demo",
    });
  });

  it("lists every balance, checksummed, without an endpoint", async () => {
    const res = await get("", VALID.toLowerCase());
    expect(await res.json()).toEqual({
      wallet: VALID,
      balances: [{ endpoint: "demo", credits: 4500 }],
    });
    expect(await (await get("", DEMO_BUYER)).json()).toEqual({
      wallet: DEMO_BUYER,
      balances: [{ endpoint: "demo", credits: 100 }],
    });
  });

  it.each([
    ["missing header", "?endpoint=demo", undefined, 400, "invalid_wallet"],
    ["empty header", "?endpoint=demo", "", 400, "invalid_wallet"],
    ["0x123", "?endpoint=demo", "0x123", 400, "invalid_wallet"],
    ["non-hex", "?endpoint=demo", `0x${"g".repeat(40)}`, 400, "invalid_wallet"],
    ["41 hex digits", "?endpoint=demo", `0x${"a".repeat(41)}`, 400, "invalid_wallet"],
    ["no 0x prefix", "?endpoint=demo", VALID.slice(2), 400, "invalid_wallet"],
    ["unknown slug", "?endpoint=no-such-api", VALID, 404, "endpoint_not_found"],
    ["slug with ../", "?endpoint=../etc/passwd", VALID, 400, "invalid_endpoint"],
    ["upper-case slug", "?endpoint=DEMO", VALID, 400, "invalid_endpoint"],
    ["empty slug", "?endpoint=", VALID, 400, "invalid_endpoint"],
    ["slug of 5 KB", `?endpoint=${"a".repeat(5_000)}`, VALID, 400, "invalid_endpoint"],
    ["query of 20 KB", `?endpoint=${"a".repeat(20_000)}`, VALID, 431, "headers_too_large"],
  ])("%s → %i %s", async (_name, query, wallet, status, code) => {
    const res = await get(query, wallet);
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ error: { code, message: expect.any(String) } });
  });

  it("refuses other methods with a JSON 405", async () => {
    const res = await get("?endpoint=demo", VALID, { method: "POST" });
    expect(res.status).toBe(405);
    expect(await res.json()).toMatchObject({ error: { code: "method_not_allowed" } });
  });
});
