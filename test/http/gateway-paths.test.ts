import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { getBalance } from "@/lib/ledger";
import type { RunningApp } from "@/lib/server/start";
import { createEndpoint, fundedWallet } from "@/test/helpers/endpoints";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import { rawRequest } from "@/test/helpers/raw-http";
import { startTestApp } from "@/test/helpers/server";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";

// Hole 5 of issue #11: the price must be that of the route the origin serves, whatever
// spelling of the path the caller chose.
describe.each(["fast", "next"] as const)("gateway path normalisation (%s door)", (door) => {
  let app: RunningApp;
  let origin: Origin;
  let ep: Awaited<ReturnType<typeof createEndpoint>>;

  beforeAll(async () => {
    origin = await startOrigin();
    app = await startTestApp({ door, target });
    ep = await createEndpoint(app.ctx, origin.url, {
      creditsPerCall: 1n,
      apiSchema: {
        version: 1,
        routes: [
          { path: "/expensive", method: "GET", summary: "Costly", credits: 50 },
          { path: "/items/{id}", method: "GET", summary: "One item", credits: 3 },
          { path: "/files/{name}.txt", method: "GET", summary: "A file", credits: 7 },
        ],
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    await origin?.close();
  });

  const send = (method: string, path: string, wallet: string) =>
    rawRequest(app.url, method, path.replace("SLUG", ep.slug), { "x-wallet-address": wallet });

  // Next's own router answers `//` with a 308 to the collapsed path before a route handler
  // runs; those rows are the fast door's (Next's are below).
  const nextRewrites = new Set(["a doubled slash", "empty segments everywhere"]);
  const served: [string, string, string, bigint, string][] = [
    ["an encoded unreserved letter", "GET", "/e/SLUG/%65xpensive", 50n, "/expensive"],
    ["encoded letters in upper-case hex", "GET", "/e/SLUG/%45XPENSIV%45", 50n, "/expensive"],
    ["a doubled slash", "GET", "/e/SLUG//expensive", 50n, "/expensive"],
    ["empty segments everywhere", "GET", "/e/SLUG///expensive//", 50n, "/expensive/"],
    ["upper case", "GET", "/e/SLUG/EXPENSIVE", 50n, "/expensive"],
    ["mixed case", "GET", "/e/SLUG/ExPeNsIvE", 50n, "/expensive"],
    ["the long prefix", "GET", "/api/public/endpoints/SLUG/Expensive", 50n, "/expensive"],
    ["HEAD of a priced GET route", "HEAD", "/e/SLUG/expensive", 50n, "/expensive"],
    ["a parameter keeps its spelling", "GET", "/e/SLUG/ITEMS/AbC", 3n, "/items/AbC"],
    ["an encoded parameter is decoded", "GET", "/e/SLUG/items/%41b%7E", 3n, "/items/Ab~"],
    ["a literal after a parameter", "GET", "/e/SLUG/files/Notes.TXT", 7n, "/files/Notes.txt"],
    ["other escapes stay, in upper case", "GET", "/e/SLUG/q/%c3%a9", 1n, "/q/%C3%A9"],
    [
      "the query is forwarded untouched",
      "GET",
      "/e/SLUG/expensive?x=%2f&y",
      50n,
      "/expensive?x=%2f&y",
    ],
    ["no path", "GET", "/e/SLUG", 1n, "/"],
  ];
  it.each(served.filter(([name]) => door === "fast" || !nextRewrites.has(name)))(
    "%s: %s %s is priced %s and forwarded as %s",
    async (_name, method, path, cost, seen) => {
      const wallet = await fundedWallet(app.ctx, ep.id, 100n);
      const before = origin.seen.length;
      const res = await send(method, path, wallet);
      expect(res.status).toBe(200);
      expect(res.headers["x-credits-charged"]).toBe(String(cost));
      expect(await getBalance(app.ctx.db, { endpointId: ep.id, wallet })).toBe(100n - cost);
      expect(origin.seen.slice(before).map((r) => `${r.method} ${r.url}`)).toEqual([
        `${method} ${seen}`,
      ]);
    },
  );

  if (door === "next")
    it("Next redirects `//` to the collapsed path, uncharged", async () => {
      const wallet = await fundedWallet(app.ctx, ep.id, 100n);
      const hits = origin.hits();
      const res = await send("GET", "/e/SLUG//expensive", wallet);
      expect(res.status).toBe(308);
      expect(res.headers.location).toBe(`/e/${ep.slug}/expensive`);
      expect(origin.hits()).toBe(hits);
      expect(await getBalance(app.ctx.db, { endpointId: ep.id, wallet })).toBe(100n);
    });

  it.each([
    ["an encoded slash", "/e/SLUG/a%2fexpensive"],
    ["an encoded slash, upper case", "/e/SLUG/x%2F..%2Fexpensive"],
    ["a backslash", "/e/SLUG/x\\expensive"],
    ["an encoded backslash", "/e/SLUG/x%5cexpensive"],
    ["an encoded backslash, upper case", "/e/SLUG/x%5C"],
    ["a dot segment", "/e/SLUG/./expensive"],
    ["a dot-dot segment", "/e/SLUG/x/../expensive"],
    ["a trailing dot-dot", "/e/SLUG/x/.."],
    ["an encoded dot segment", "/e/SLUG/%2e/expensive"],
    ["an encoded dot-dot segment", "/e/SLUG/x/%2e%2e/expensive"],
    ["a half-encoded dot-dot", "/e/SLUG/x/.%2E/expensive"],
    ["an encoded dot-dot leaving the endpoint", "/e/SLUG/%2E%2E/other/expensive"],
    ["path parameters", "/e/SLUG/expensive;jsessionid=1"],
    ["an encoded semicolon", "/e/SLUG/expensive%3bx"],
    ["an encoded NUL", "/e/SLUG/expensive%00.txt"],
    ["an encoded control character", "/e/SLUG/a%0Ab"],
    ["a malformed escape", "/e/SLUG/a%zzb"],
    ["a truncated escape", "/e/SLUG/a%"],
  ])("%s (%s) → 400, nothing charged, origin never called", async (_name, path) => {
    const wallet = await fundedWallet(app.ctx, ep.id, 100n);
    const hits = origin.hits();
    const res = await send("GET", path, wallet);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: "bad_request" } });
    expect(origin.hits()).toBe(hits);
    expect(await getBalance(app.ctx.db, { endpointId: ep.id, wallet })).toBe(100n);
  });
});
