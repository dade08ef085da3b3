import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { getBalance } from "@/lib/ledger";
import { freeLoopbackPort } from "@/lib/net/free-port";
import type { RunningApp } from "@/lib/server/start";
import { createEndpoint, fundedWallet } from "@/test/helpers/endpoints";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import { type RawAnswer, rawRequest } from "@/test/helpers/raw-http";
import { startTestApp } from "@/test/helpers/server";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";
const AGENT_PAGE = "https://agent.example";
const REQUEST_HEADERS = [
  "x-wallet-address",
  "payment-signature",
  "x-payment",
  "sign-in-with-x",
  "idempotency-key",
  "content-type",
  "authorization",
  "access-control-expose-headers", // sent by @x402/fetch's paid retry
];
const EXPOSED = [
  "payment-required",
  "payment-response",
  "x-payment-response",
  "x-credits-charged",
  "x-credits-remaining",
  "idempotent-replayed",
  "retry-after",
];
// Response headers a cross-origin script may always read (Fetch: CORS-safelisted).
const SAFELISTED = new Set([
  "cache-control",
  "content-language",
  "content-length",
  "content-type",
  "expires",
  "last-modified",
  "pragma",
]);

const list = (value: string | string[] | undefined) =>
  String(value ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

/**
 * The browser's side of CORS (Fetch §4.9 and §3.2.6), for a request without credentials:
 * null when a script on `page` may not read the answer at all, else the headers it sees.
 */
function browserView(answer: RawAnswer, page: string): Map<string, string> | null {
  const allowOrigin = answer.headers["access-control-allow-origin"];
  if (allowOrigin !== "*" && allowOrigin !== page) return null;
  const exposed = new Set(list(answer.headers["access-control-expose-headers"]));
  const visible = new Map<string, string>();
  for (const [name, value] of Object.entries(answer.headers)) {
    if (SAFELISTED.has(name) || exposed.has(name) || exposed.has("*"))
      visible.set(name, String(value));
  }
  return visible;
}

/** Does a browser let the real request follow this preflight (no credentials)? */
function preflightPasses(answer: RawAnswer, page: string, method: string, headers: string[]) {
  if (answer.status < 200 || answer.status > 299) return false;
  const allowOrigin = answer.headers["access-control-allow-origin"];
  if (allowOrigin !== "*" && allowOrigin !== page) return false;
  const methods = list(answer.headers["access-control-allow-methods"]);
  const allowed = list(answer.headers["access-control-allow-headers"]);
  const simpleMethod = ["get", "head", "post"].includes(method.toLowerCase());
  return (
    (simpleMethod || methods.includes(method.toLowerCase())) &&
    headers.every((h) => allowed.includes(h))
  );
}

const preflight = (app: RunningApp, path: string, method: string, extra = {}) =>
  rawRequest(app.url, "OPTIONS", path, {
    origin: AGENT_PAGE,
    "access-control-request-method": method,
    "access-control-request-headers": REQUEST_HEADERS.join(","),
    ...extra,
  });

/** An origin that answers with its own CORS grant and Vary, which the gateway must not pass on. */
async function startGrantingOrigin() {
  const seen: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, {
      "content-type": "application/json",
      "access-control-allow-origin": "https://evil.example",
      "access-control-allow-credentials": "true",
      "access-control-expose-headers": "x-secret",
      vary: "Accept-Encoding",
    });
    res.end("{}");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe.each(["fast", "next"] as const)("CORS for browser agents (%s door)", (door) => {
  let app: RunningApp;
  let origin: Origin;
  let granting: Awaited<ReturnType<typeof startGrantingOrigin>>;
  let ep: Awaited<ReturnType<typeof createEndpoint>>;
  let down: Awaited<ReturnType<typeof createEndpoint>>;
  let grants: Awaited<ReturnType<typeof createEndpoint>>;

  beforeAll(async () => {
    origin = await startOrigin();
    granting = await startGrantingOrigin();
    app = await startTestApp({ door, target });
    ep = await createEndpoint(app.ctx, origin.url);
    // Nothing listens there: the gateway answers 502 origin_unavailable.
    down = await createEndpoint(app.ctx, `http://127.0.0.1:${await freeLoopbackPort()}`);
    grants = await createEndpoint(app.ctx, granting.url);
  });
  afterAll(async () => {
    await app?.close();
    await origin?.close();
    await granting?.close();
  });

  it.each([
    ["the gateway", "POST", "/e/SLUG/echo"],
    ["the gateway's long form", "PUT", "/api/public/endpoints/SLUG/echo?x=1"],
    ["an unknown endpoint", "DELETE", "/e/no-such-endpoint/x"],
    ["the purchase URL", "POST", "/api/credits/purchase?endpoint=SLUG&pack=starter"],
    ["the balance", "GET", "/api/credits/balance?endpoint=SLUG"],
    ["the packs", "GET", "/api/credits/packs?endpoint=SLUG"],
    ["the catalog", "GET", "/api/endpoints"],
    ["the chain config", "GET", "/api/config"],
    ["a purchase's status", "GET", "/api/credits/purchases/00000000-0000-0000-0000-000000000000"],
    ["the product's OpenAPI", "GET", "/openapi.json"],
    ["an endpoint's OpenAPI", "GET", "/api/endpoints/SLUG/openapi.json"],
    ["x402 discovery", "GET", "/.well-known/x402"],
    ["llms.txt", "GET", "/llms.txt"],
  ])(
    "a preflight to %s (%s %s) passes: 204, no credentials, nothing charged, origin never called",
    async (_name, method, path) => {
      const wallet = await fundedWallet(app.ctx, ep.id, 10n);
      const hits = origin.hits();
      // A wallet header on the preflight itself (browsers send none) must not make it a call.
      const res = await preflight(app, path.replace("SLUG", ep.slug), method, {
        "x-wallet-address": wallet,
      });
      expect(res.status).toBe(204);
      expect(res.body).toBe("");
      expect(preflightPasses(res, AGENT_PAGE, method, REQUEST_HEADERS)).toBe(true);
      expect(res.headers["access-control-allow-origin"]).toBe("*");
      expect(res.headers["access-control-allow-credentials"]).toBeUndefined();
      expect(Number(res.headers["access-control-max-age"])).toBeGreaterThan(0);
      expect(res.headers["payment-required"]).toBeUndefined();
      expect(origin.hits()).toBe(hits);
      expect(await getBalance(app.ctx.db, { endpointId: ep.id, wallet })).toBe(10n);
    },
  );

  it("a cross-origin gateway call: the page reads the credit headers of a 200", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const pre = await preflight(app, `/e/${ep.slug}/echo`, "GET");
    expect(preflightPasses(pre, AGENT_PAGE, "GET", ["x-wallet-address"])).toBe(true);
    const res = await rawRequest(app.url, "GET", `/e/${ep.slug}/echo`, {
      origin: AGENT_PAGE,
      "x-wallet-address": wallet,
    });
    expect(res.status).toBe(200);
    const seen = browserView(res, AGENT_PAGE);
    expect(seen?.get("x-credits-charged")).toBe("1");
    expect(seen?.get("x-credits-remaining")).toBe("9");
    expect(seen?.get("content-type")).toBe("application/json");
    // The origin's own headers are not exposed; ours are.
    expect(seen?.has("x-origin")).toBe(false);
    expect(list(res.headers["access-control-expose-headers"])).toEqual(
      expect.arrayContaining(EXPOSED),
    );
  });

  it("a cross-origin 402: the page reads PAYMENT-REQUIRED and the challenge body", async () => {
    const res = await rawRequest(app.url, "GET", `/e/${ep.slug}/echo`, { origin: AGENT_PAGE });
    expect(res.status).toBe(402);
    const seen = browserView(res, AGENT_PAGE);
    const header = seen?.get("payment-required") ?? "";
    const challenge = JSON.parse(Buffer.from(header, "base64").toString("utf8"));
    expect(challenge).toMatchObject({ x402Version: 2, accepts: [expect.anything()] });
    expect(JSON.parse(res.body)).toMatchObject({ endpoint: ep.slug, required: 1 });
  });

  it("the purchase URL's 402 is readable cross-origin too", async () => {
    const res = await rawRequest(
      app.url,
      "POST",
      `/api/credits/purchase?endpoint=${ep.slug}&pack=starter`,
      { origin: AGENT_PAGE },
    );
    expect(res.status).toBe(402);
    expect(browserView(res, AGENT_PAGE)?.get("payment-required")).toBeTruthy();
  });

  it.each([
    ["the balance", "/api/credits/balance?endpoint=SLUG", 200],
    ["the packs", "/api/credits/packs?endpoint=SLUG", 200],
    ["the catalog", "/api/endpoints", 200],
    ["the chain config", "/api/config", 200],
    ["an unknown purchase", "/api/credits/purchases/00000000-0000-0000-0000-000000000000", 404],
    ["a bad gateway path", "/e/SLUG/a%2fb", 400],
    ["an unknown endpoint", "/e/no-such-endpoint/x", 404],
  ])("%s answers %s with CORS headers the page can read", async (_name, path, status) => {
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const res = await rawRequest(app.url, "GET", path.replace("SLUG", ep.slug), {
      origin: AGENT_PAGE,
      "x-wallet-address": wallet,
    });
    expect(res.status).toBe(status);
    expect(browserView(res, AGENT_PAGE)).not.toBeNull();
    expect(res.headers["access-control-allow-credentials"]).toBeUndefined();
  });

  it("a 5xx from the gateway (origin down, or the origin's own 500) carries CORS headers", async () => {
    const wallet = await fundedWallet(app.ctx, down.id, 10n);
    const unreachable = await rawRequest(app.url, "GET", `/e/${down.slug}/x`, {
      origin: AGENT_PAGE,
      "x-wallet-address": wallet,
    });
    expect(unreachable.status).toBe(502);
    expect(browserView(unreachable, AGENT_PAGE)?.get("x-credits-charged")).toBe("0");
    const payer = await fundedWallet(app.ctx, ep.id, 10n);
    const failed = await rawRequest(app.url, "GET", `/e/${ep.slug}/fail`, {
      origin: AGENT_PAGE,
      "x-wallet-address": payer,
    });
    expect(failed.status).toBe(500);
    expect(browserView(failed, AGENT_PAGE)?.get("x-credits-charged")).toBe("0");
  });

  it("an origin's own CORS grant is replaced by the gateway's, its Vary kept", async () => {
    const wallet = await fundedWallet(app.ctx, grants.id, 10n);
    const res = await rawRequest(app.url, "GET", `/e/${grants.slug}/x`, {
      origin: AGENT_PAGE,
      "x-wallet-address": wallet,
    });
    expect(res.status).toBe(200);
    expect(res.headers["access-control-allow-origin"]).toBe("*");
    expect(res.headers["access-control-allow-credentials"]).toBeUndefined();
    expect(list(res.headers["access-control-expose-headers"])).not.toContain("x-secret");
    expect(list(res.headers.vary)).toContain("accept-encoding");
  });

  it("a plain OPTIONS (no Access-Control-Request-Method) is no preflight: it is a gateway call", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const hits = origin.hits();
    const res = await rawRequest(app.url, "OPTIONS", `/e/${ep.slug}/echo`, {
      "x-wallet-address": wallet,
    });
    expect(res.status).toBe(200);
    expect(res.headers["x-credits-charged"]).toBe("1");
    expect(origin.hits()).toBe(hits + 1);
  });

  it.each([
    ["GET", "/api/auth/nonce"],
    ["GET", "/api/auth/session"],
    ["POST", "/api/auth/verify"],
    ["GET", "/api/provider/endpoints"],
    ["POST", "/api/provider/keys"],
    ["GET", "/api/me/balances"],
    ["GET", "/api/credits/consume"],
    ["GET", "/"],
    ["GET", "/provider"],
  ])(
    "%s %s stays same-origin: no CORS headers on the answer or a preflight",
    async (method, path) => {
      const answer = await rawRequest(app.url, method, path, { origin: AGENT_PAGE });
      const pre = await preflight(app, path, method);
      for (const res of [answer, pre]) {
        expect(res.headers["access-control-allow-origin"]).toBeUndefined();
        expect(res.headers["access-control-allow-methods"]).toBeUndefined();
        expect(res.headers["access-control-allow-headers"]).toBeUndefined();
        expect(res.headers["access-control-expose-headers"]).toBeUndefined();
        expect(preflightPasses(pre, AGENT_PAGE, method, REQUEST_HEADERS)).toBe(false);
      }
    },
  );
});

describe("CORS_ORIGINS lists the pages allowed (fast door)", () => {
  let app: RunningApp;
  let origin: Origin;
  let ep: Awaited<ReturnType<typeof createEndpoint>>;

  beforeAll(async () => {
    origin = await startOrigin();
    app = await startTestApp({
      door: "fast",
      target,
      env: { CORS_ORIGINS: `${AGENT_PAGE}, http://localhost:5173` },
    });
    ep = await createEndpoint(app.ctx, origin.url);
  });
  afterAll(async () => {
    await app?.close();
    await origin?.close();
  });

  it("a listed page is named back (never *), with Vary: Origin, and reads the answer", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const pre = await preflight(app, `/e/${ep.slug}/echo`, "POST");
    expect(pre.status).toBe(204);
    expect(pre.headers["access-control-allow-origin"]).toBe(AGENT_PAGE);
    expect(preflightPasses(pre, AGENT_PAGE, "POST", REQUEST_HEADERS)).toBe(true);
    const res = await rawRequest(app.url, "GET", `/e/${ep.slug}/echo`, {
      origin: AGENT_PAGE,
      "x-wallet-address": wallet,
    });
    expect(res.headers["access-control-allow-origin"]).toBe(AGENT_PAGE);
    expect(list(res.headers.vary)).toContain("origin");
    expect(browserView(res, AGENT_PAGE)?.get("x-credits-charged")).toBe("1");
  });

  it("another page's preflight fails in the browser, and is still never charged", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const hits = origin.hits();
    const other = "https://elsewhere.example";
    const pre = await preflight(app, `/e/${ep.slug}/echo`, "POST", {
      origin: other,
      "x-wallet-address": wallet,
    });
    expect(pre.status).toBe(204);
    expect(pre.headers["access-control-allow-origin"]).toBeUndefined();
    expect(preflightPasses(pre, other, "POST", REQUEST_HEADERS)).toBe(false);
    const res = await rawRequest(app.url, "GET", "/api/config", { origin: other });
    expect(res.status).toBe(200);
    expect(browserView(res, other)).toBeNull();
    expect(origin.hits()).toBe(hits);
    expect(await getBalance(app.ctx.db, { endpointId: ep.id, wallet })).toBe(10n);
  });
});
