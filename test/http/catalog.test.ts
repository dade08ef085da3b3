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
    app = await startTestApp({ door: "next", target });
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

  it.each(["POST", "DELETE"])("%s is refused with 405", async (method) => {
    const res = await fetch(`${app.url}/api/endpoints`, { method });
    expect(res.status).toBe(405);
  });
});
