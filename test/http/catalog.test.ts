import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningApp } from "@/lib/server/start";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import { asCaller, endpointInput, signIn } from "@/test/helpers/provider";
import { startTestApp } from "@/test/helpers/server";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";

interface Listed {
  slug: string;
  packs: { id: string; price: string; amount: string; purchaseUrl: string }[];
  apiSchema: unknown;
}

describe("GET /api/endpoints", () => {
  let app: RunningApp;
  let origin: Origin;
  let asOwner: ReturnType<typeof asCaller>;
  const list = async () => {
    const res = await fetch(`${app.url}/api/endpoints`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { endpoints: Listed[] }).endpoints;
  };

  beforeAll(async () => {
    origin = await startOrigin();
    app = await startTestApp({
      door: "next",
      target,
      env: { MAX_ENDPOINTS_PER_PROVIDER: "6" },
    });
    asOwner = asCaller(app, {
      cookie: await signIn(app, privateKeyToAccount(generatePrivateKey())),
    });
    const routes = { version: 1, routes: [{ path: "/analyze", method: "POST", credits: 5 }] };
    for (const slug of ["cat-live", "cat-paused", "cat-gone"]) {
      const res = await asOwner("/api/provider/endpoints", {
        method: "POST",
        json: endpointInput(slug, origin.url, { apiSchema: routes }),
      });
      expect(res.status).toBe(201);
    }
    await asOwner("/api/provider/endpoints/cat-paused/pause", { method: "POST" });
    await asOwner("/api/provider/endpoints/cat-gone", { method: "DELETE" });
  });
  afterAll(async () => {
    await app?.close();
    await origin?.close();
  });

  it("lists active endpoints with packs and routes, never paused or deleted ones", async () => {
    const endpoints = await list();
    const slugs = endpoints.map((e) => e.slug);
    expect(slugs).toContain("demo");
    expect(slugs).toContain("cat-live");
    expect(slugs).not.toContain("cat-paused");
    expect(slugs).not.toContain("cat-gone");
    const live = endpoints.find((e) => e.slug === "cat-live");
    expect(live).toMatchObject({
      name: "API cat-live",
      description: "Test API",
      creditsPerCall: 1,
      apiSchema: { version: 1, routes: [{ path: "/analyze", method: "POST", credits: 5 }] },
    });
    expect(live?.packs[0]).toEqual({
      id: "starter",
      name: "Starter",
      credits: 100,
      price: "1.00",
      amount: "1000000",
      purchaseUrl: `${app.ctx.config.publicUrl}/api/credits/purchase?endpoint=cat-live&pack=starter`,
    });
    expect(JSON.stringify(live)).not.toContain(origin.url);
  });

  it("shows a resumed endpoint again", async () => {
    await asOwner("/api/provider/endpoints/cat-paused/resume", { method: "POST" });
    expect((await list()).map((e) => e.slug)).toContain("cat-paused");
  });

  it("pages with limit and cursor: every active endpoint once, in slug order", async () => {
    for (const slug of ["cat-p1", "cat-p2", "cat-p3"]) {
      const res = await asOwner("/api/provider/endpoints", {
        method: "POST",
        json: endpointInput(slug, origin.url),
      });
      expect(res.status).toBe(201);
    }
    const all = await fetch(`${app.url}/api/endpoints`);
    const whole = (await all.json()) as { endpoints: Listed[]; nextCursor: string | null };
    expect(whole.nextCursor).toBeNull(); // the default page holds them all
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const res = await fetch(`${app.url}/api/endpoints?${query}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { endpoints: Listed[]; nextCursor: string | null };
      expect(page.endpoints.length).toBeLessThanOrEqual(2);
      seen.push(...page.endpoints.map((e) => e.slug));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    expect(seen).toEqual(whole.endpoints.map((e) => e.slug));
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBe(Math.ceil(seen.length / 2));
  });

  it.each([
    ["limit=0"],
    ["limit=-1"],
    ["limit=abc"],
    ["limit=100000"],
    ["limit=1.5"],
    [`cursor=${"z".repeat(300)}`],
    ["cursor=%00"],
    ["cursor=not a cursor"],
  ])("refuses ?%s with 400", async (query) => {
    const res = await fetch(`${app.url}/api/endpoints?${query}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "bad_request" } });
  });

  it("caps the live endpoints of one provider (MAX_ENDPOINTS_PER_PROVIDER), even under a race", async () => {
    const create = (slug: string) =>
      asOwner("/api/provider/endpoints", { method: "POST", json: endpointInput(slug, origin.url) });
    // Live now: cat-live, cat-paused, cat-p1..3 (cat-gone was deleted and does not count).
    const raced = await Promise.all(["cat-r1", "cat-r2", "cat-r3", "cat-r4"].map(create));
    expect(raced.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    const refused = await create("cat-over");
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({
      error: { code: "endpoint_limit_reached", message: expect.stringMatching(/6/) },
    });
    expect((await asOwner("/api/provider/endpoints/cat-over")).status).toBe(404);
    // Deleting one frees a place.
    expect((await asOwner("/api/provider/endpoints/cat-p3", { method: "DELETE" })).status).toBe(
      200,
    );
    expect((await create("cat-over")).status).toBe(201);
  });

  it.each(["POST", "DELETE"])("%s is refused with 405", async (method) => {
    const res = await fetch(`${app.url}/api/endpoints`, { method });
    expect(res.status).toBe(405);
  });
});
