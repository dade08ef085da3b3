import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningApp } from "@/lib/server/start";
import { asCaller, endpointInput, signIn } from "@/test/helpers/provider";
import { startTestApp } from "@/test/helpers/server";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";
// A public address literal: valid without DNS, which this machine lacks (documentation
// ranges such as TEST-NET-3 are special-purpose, and refused).
const ORIGIN = "https://93.184.215.14/v1";

describe("provider API: bad input is refused with the exact status and code, and changes nothing", () => {
  let app: RunningApp;
  let asAlice: ReturnType<typeof asCaller>;

  beforeAll(async () => {
    // A public deployment's rules: origins must not point inside the network.
    app = await startTestApp({ door: "fast", target, env: { ALLOW_PRIVATE_ORIGINS: "false" } });
    asAlice = asCaller(app, {
      cookie: await signIn(app, privateKeyToAccount(generatePrivateKey())),
    });
    const taken = await asAlice("/api/provider/endpoints", {
      method: "POST",
      json: endpointInput("taken", ORIGIN),
    });
    expect(taken.status).toBe(201);
  });
  afterAll(() => app?.close());

  const pack = { name: "Starter", credits: 100, price: "1.00" };
  const cases: [string, unknown, number, string, RegExp?][] = [
    ["slug already taken", endpointInput("taken", ORIGIN), 409, "conflict"],
    ["slug taken by the seeded demo", endpointInput("demo", ORIGIN), 409, "conflict"],
    ["slug with capitals", endpointInput("MyApi", ORIGIN), 422, "invalid_field", /slug/],
    ["slug starting with -", endpointInput("-api", ORIGIN), 422, "invalid_field", /slug/],
    ["slug of one character", endpointInput("a", ORIGIN), 422, "invalid_field", /slug/],
    ["slug of 64 characters", endpointInput("a".repeat(64), ORIGIN), 422, "invalid_field", /slug/],
    ["slug with a slash", endpointInput("a/b", ORIGIN), 422, "invalid_field", /slug/],
    [
      "origin on loopback",
      endpointInput("o1", "http://127.0.0.1:8080"),
      422,
      "invalid_field",
      /originUrl/,
    ],
    [
      "origin named localhost",
      endpointInput("o2", "http://localhost:3000/x"),
      422,
      "invalid_field",
      /originUrl/,
    ],
    [
      "origin in 10.0.0.0/8",
      endpointInput("o3", "http://10.1.2.3/"),
      422,
      "invalid_field",
      /originUrl/,
    ],
    [
      "origin in 192.168.0.0/16",
      endpointInput("o4", "https://192.168.1.10/"),
      422,
      "invalid_field",
      /originUrl/,
    ],
    [
      "origin at cloud metadata",
      endpointInput("o5", "http://169.254.169.254/latest"),
      422,
      "invalid_field",
      /originUrl/,
    ],
    [
      "origin on IPv6 loopback",
      endpointInput("o6", "http://[::1]:80/"),
      422,
      "invalid_field",
      /originUrl/,
    ],
    [
      "origin not http(s)",
      endpointInput("o7", "ftp://files.example.com/"),
      422,
      "invalid_field",
      /originUrl/,
    ],
    [
      "origin with credentials",
      endpointInput("o8", "https://u:p@api.example.com/"),
      422,
      "invalid_field",
      /originUrl/,
    ],
    [
      "price 0.009",
      endpointInput("p1", ORIGIN, { packs: [{ ...pack, price: "0.009" }] }),
      422,
      "invalid_field",
      /at least 0\.01/,
    ],
    [
      "price with 7 decimals",
      endpointInput("p2", ORIGIN, { packs: [{ ...pack, price: "1.0000001" }] }),
      422,
      "invalid_field",
      /price/,
    ],
    [
      "negative pack credits",
      endpointInput("p3", ORIGIN, { packs: [{ ...pack, credits: -5 }] }),
      422,
      "invalid_field",
      /credits/,
    ],
    [
      "fractional pack credits",
      endpointInput("p4", ORIGIN, { packs: [{ ...pack, credits: 1.5 }] }),
      422,
      "invalid_field",
      /credits/,
    ],
    ["no packs", endpointInput("p5", ORIGIN, { packs: [] }), 422, "invalid_field", /packs/],
    [
      "zero credits per call",
      endpointInput("c1", ORIGIN, { creditsPerCall: 0 }),
      422,
      "invalid_field",
      /creditsPerCall/,
    ],
    [
      "credits per call as a string",
      endpointInput("c2", ORIGIN, { creditsPerCall: "1" }),
      422,
      "invalid_field",
      /creditsPerCall/,
    ],
    [
      "bad payout address",
      endpointInput("w1", ORIGIN, { payTo: "0x1234" }),
      422,
      "invalid_field",
      /payTo/,
    ],
    [
      "unknown wallet-auth mode",
      endpointInput("w2", ORIGIN, { walletAuth: "oauth" }),
      422,
      "invalid_field",
      /walletAuth/,
    ],
    [
      "timeout too small",
      endpointInput("t1", ORIGIN, { timeoutMs: 5 }),
      422,
      "invalid_field",
      /timeoutMs/,
    ],
    [
      "default pack that does not exist",
      endpointInput("d1", ORIGIN, { defaultPack: "Gold" }),
      422,
      "invalid_field",
      /defaultPack/,
    ],
    [
      "route cost of 0 in apiSchema",
      endpointInput("s1", ORIGIN, {
        apiSchema: { version: 1, routes: [{ path: "/x", method: "GET", credits: 0 }] },
      }),
      422,
      "invalid_field",
      /apiSchema/,
    ],
    ["unknown field", endpointInput("u1", ORIGIN, { price: "1.00" }), 422, "invalid_field"],
    [
      "name missing",
      { ...endpointInput("u2", ORIGIN), name: undefined },
      422,
      "invalid_field",
      /name/,
    ],
  ];

  it.each(cases)("%s → %s %s", async (_name, body, status, code, message) => {
    const before = await (await asAlice("/api/provider/endpoints")).text();
    const res = await asAlice("/api/provider/endpoints", { method: "POST", json: body });
    expect(res.status).toBe(status);
    const json = (await res.json()) as { error: { code: string; message: string } };
    expect(json.error.code).toBe(code);
    if (message) expect(json.error.message).toMatch(message);
    expect(await (await asAlice("/api/provider/endpoints")).text()).toBe(before);
  });

  it.each([
    ["malformed JSON", "{not json", 400, "invalid_json"],
    [
      "a 1 MB body",
      JSON.stringify({ ...endpointInput("big", ORIGIN), description: "x".repeat(1_000_000) }),
      413,
      "payload_too_large",
    ],
  ])("%s → %s %s", async (_name, raw, status, code) => {
    const res = await asAlice("/api/provider/endpoints", {
      method: "POST",
      body: raw,
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ error: { code } });
  });

  it.each([
    ["price 0.009", { packs: [{ ...pack, price: "0.009" }] }, 422],
    ["unknown field", { slug: "renamed" }, 422],
    ["private origin", { originUrl: "http://10.0.0.1/" }, 422],
  ])("PATCH with %s → %s, endpoint unchanged", async (_name, body, status) => {
    const before = await (await asAlice("/api/provider/endpoints/taken")).json();
    const res = await asAlice("/api/provider/endpoints/taken", { method: "PATCH", json: body });
    expect(res.status).toBe(status);
    expect(await (await asAlice("/api/provider/endpoints/taken")).json()).toEqual(before);
  });
});
