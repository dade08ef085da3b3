import { Validator } from "@seriousme/openapi-schema-validator";
import { decodePaymentRequiredHeader } from "@x402/core/http";
import { PaymentRequiredSchema, PaymentRequirementsV2Schema } from "@x402/core/schemas";
import type { PaymentPayload, PaymentRequired } from "@x402/core/types";
import {
  type DiscoveryExtension,
  type DiscoveryResourcesResponse,
  extractDiscoveryInfo,
  validateDiscoveryExtension,
  validateDiscoveryExtensionSpec,
} from "@x402/extensions/bazaar";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { endpoints } from "@/db/schema";
import {
  balanceAll,
  balanceOne,
  catalogAnswer,
  chainConfig,
  challengeBody,
  errorBody,
  packsAnswer,
} from "@/lib/discovery/schemas";
import { ERROR_STATUS } from "@/lib/http/errors";
import { DATA_CSP } from "@/lib/http/security-headers";
import type { RunningApp } from "@/lib/server/start";
import { createEndpoint, fundedWallet } from "@/test/helpers/endpoints";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import { startTestApp } from "@/test/helpers/server";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";

interface OpenApiDocument {
  openapi: string;
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components?: Record<string, Record<string, unknown>>;
}
interface Operation {
  "x-credits"?: number;
  description?: string;
  parameters?: { in: string; name: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { headers?: Record<string, unknown>; content?: unknown }>;
}

/** Validates with a real OpenAPI validator, then returns the document with its $refs resolved. */
async function validOpenApi(document: unknown): Promise<OpenApiDocument> {
  const validator = new Validator();
  // The validator resolves references in what it is given: hand it a copy.
  const result = await validator.validate(structuredClone(document) as Record<string, unknown>);
  expect(result.errors ?? []).toEqual([]);
  expect(result.valid).toBe(true);
  expect(validator.version).toBe("3.1");
  return validator.resolveRefs() as unknown as OpenApiDocument;
}

const ROUTES = {
  version: 1,
  routes: [
    {
      path: "/items/{id}",
      method: "GET",
      summary: "One item",
      credits: 3,
      parameters: [
        { name: "id", type: "string", description: "The item" },
        { name: "verbose", type: "boolean" },
      ],
    },
    {
      path: "/analyze",
      method: "POST",
      summary: "Analyze a text",
      credits: 5,
      requestBody: {
        contentType: "application/json",
        fields: [{ name: "text", type: "string", required: true }],
      },
    },
    { path: "/free-text", method: "GET", summary: "No cost given: per-call price" },
    { path: "/summarize", method: "POST", credits: 10, metered: true },
  ],
};

describe.each(["fast", "next"] as const)("discovery documents (%s door)", (door) => {
  let app: RunningApp;
  let origin: Origin;
  let ep: Awaited<ReturnType<typeof createEndpoint>>;
  let plain: Awaited<ReturnType<typeof createEndpoint>>;
  let paused: Awaited<ReturnType<typeof createEndpoint>>;
  let deleted: Awaited<ReturnType<typeof createEndpoint>>;
  const get = (path: string, init?: RequestInit) => fetch(`${app.url}${path}`, init);
  const publicUrl = () => app.ctx.config.publicUrl;

  beforeAll(async () => {
    origin = await startOrigin();
    app = await startTestApp({ door, target });
    ep = await createEndpoint(app.ctx, origin.url, {
      name: "Text analysis",
      description: "Analyses texts.",
      creditsPerCall: 2n,
      apiSchema: ROUTES,
    });
    plain = await createEndpoint(app.ctx, origin.url, { creditsPerCall: 4n });
    paused = await createEndpoint(app.ctx, origin.url, { paused: true });
    deleted = await createEndpoint(app.ctx, origin.url);
    await app.ctx.db
      .update(endpoints)
      .set({ deletedAt: new Date() })
      .where(eq(endpoints.id, deleted.id));
  });
  afterAll(async () => {
    await app?.close();
    await origin?.close();
  });

  it.each([
    ["/openapi.json", "application/json"],
    ["/api/endpoints/SLUG/openapi.json", "application/json"],
    ["/.well-known/x402", "application/json"],
    ["/llms.txt", "text/plain"],
  ])("GET %s is public data: %s, cacheable for a minute, the data CSP", async (path, type) => {
    const url = path.replace("SLUG", ep.slug);
    const res = await get(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain(type);
    expect(res.headers.get("cache-control")).toBe("public, max-age=60");
    expect(res.headers.get("content-security-policy")).toBe(DATA_CSP);
    expect((await get(url, { method: "POST" })).status).toBe(405);
  });

  describe("/openapi.json", () => {
    let doc: OpenApiDocument;
    let raw: OpenApiDocument;
    beforeAll(async () => {
      raw = (await (await get("/openapi.json")).json()) as OpenApiDocument;
      doc = await validOpenApi(raw);
    });

    it("is a valid OpenAPI 3.1 document served from this server's public URL", () => {
      expect(doc.openapi).toBe("3.1.0");
      expect(doc.servers).toEqual([{ url: publicUrl() }]);
    });

    it("covers every agent-facing route", () => {
      const expected: [string, string[]][] = [
        ["/api/credits/balance", ["get"]],
        ["/api/credits/packs", ["get"]],
        ["/api/endpoints", ["get"]],
        ["/api/endpoints/{slug}/openapi.json", ["get"]],
        ["/api/credits/purchase", ["post", "get"]],
        ["/api/credits/purchases/{id}", ["get"]],
        ["/api/credits/consume", ["post"]],
        ["/api/config", ["get"]],
        ["/api/auth/nonce", ["get"]],
        ["/api/auth/token", ["post"]],
        ["/.well-known/x402", ["get"]],
        ["/llms.txt", ["get"]],
        ["/openapi.json", ["get"]],
        ["/api/dev/faucet", ["post"]], // the test app runs the devnet
      ];
      const gateway = ["get", "post", "put", "patch", "delete", "head"];
      for (const prefix of ["/e/{slug}", "/api/public/endpoints/{slug}"])
        expected.push([prefix, gateway], [`${prefix}/{path}`, gateway]);
      for (const [path, methods] of expected) {
        for (const method of methods)
          expect(doc.paths[path]?.[method], `${method} ${path}`).toBeTruthy();
      }
      expect(Object.keys(doc.paths).sort()).toEqual(expected.map(([p]) => p).sort());
    });

    it("documents the 402 (x402 challenge body and PAYMENT-REQUIRED) wherever one is answered", () => {
      const paying = [
        ["/api/credits/purchase", "post"],
        ["/api/credits/purchase", "get"],
        ["/api/credits/consume", "post"],
        ["/e/{slug}", "get"],
        ["/e/{slug}/{path}", "post"],
        ["/api/public/endpoints/{slug}/{path}", "delete"],
      ] as const;
      for (const [path, method] of paying) {
        const response = doc.paths[path]?.[method]?.responses["402"];
        expect(response?.headers, `${method} ${path}`).toHaveProperty(["PAYMENT-REQUIRED"]);
        const schema = JSON.stringify(response?.content);
        for (const field of ["x402Version", "accepts", "purchaseUrl", "api_schema", "extensions"])
          expect(schema).toContain(`"${field}"`);
      }
      // The decoded header's shape is published too.
      expect(raw.components?.schemas).toHaveProperty("PaymentRequired");
    });

    it("names every x402 and credit header, and the error shape with every error code", () => {
      const names = new Set<string>();
      for (const item of Object.values(doc.paths))
        for (const op of Object.values(item)) {
          if (typeof op !== "object" || !("responses" in op)) continue; // e.g. a description
          for (const p of op.parameters ?? []) if (p.in === "header") names.add(p.name);
          for (const r of Object.values(op.responses))
            for (const h of Object.keys(r.headers ?? {})) names.add(h);
        }
      for (const header of [
        "PAYMENT-REQUIRED",
        "PAYMENT-SIGNATURE",
        "X-PAYMENT",
        "PAYMENT-RESPONSE",
        "X-PAYMENT-RESPONSE",
        "x-wallet-address",
        "Idempotency-Key",
        "SIGN-IN-WITH-X",
        "x-credits-charged",
        "x-credits-remaining",
      ])
        expect(names).toContain(header);
      const error = raw.components?.schemas?.Error as {
        properties: { error: { properties: { code: { enum: string[] } }; required: string[] } };
      };
      expect(error.properties.error.required).toEqual(["code", "message"]);
      expect(error.properties.error.properties.code.enum.sort()).toEqual(
        Object.keys(ERROR_STATUS).sort(),
      );
      // Each refusal names its codes under its own status.
      const balance = doc.paths["/api/credits/balance"]?.get?.responses;
      expect(JSON.stringify(balance?.["400"])).toContain("invalid_wallet");
      expect(JSON.stringify(balance?.["404"])).toContain("endpoint_not_found");
    });

    it("describes the answers as they are (live answers parse with the documented schemas)", async () => {
      const wallet = await fundedWallet(app.ctx, ep.id, 1n);
      const headers = { "x-wallet-address": wallet };
      balanceOne.parse(
        await (await get(`/api/credits/balance?endpoint=${ep.slug}`, { headers })).json(),
      );
      balanceAll.parse(await (await get("/api/credits/balance", { headers })).json());
      packsAnswer.parse(await (await get(`/api/credits/packs?endpoint=${ep.slug}`)).json());
      catalogAnswer.parse(await (await get("/api/endpoints")).json());
      chainConfig.parse(await (await get("/api/config")).json());
      const challenge = await get(`/e/${ep.slug}/analyze`, { method: "POST", headers, body: "{}" });
      expect(challenge.status).toBe(402);
      challengeBody.parse(await challenge.json());
      const missing = await get("/api/credits/packs?endpoint=no-such-endpoint");
      expect(errorBody.parse(await missing.json()).error.code).toBe("endpoint_not_found");
    });
  });

  describe("/api/endpoints/SLUG/openapi.json", () => {
    it("has each api_schema route with its credit cost, served through this gateway", async () => {
      const res = await get(`/api/endpoints/${ep.slug}/openapi.json`);
      expect(res.status).toBe(200);
      const doc = await validOpenApi(await res.json());
      expect(doc.servers).toEqual([{ url: `${publicUrl()}/e/${ep.slug}` }]);
      expect(Object.keys(doc.paths).sort()).toEqual([
        "/analyze",
        "/free-text",
        "/items/{id}",
        "/summarize",
      ]);

      const item = doc.paths["/items/{id}"]?.get;
      expect(item?.["x-credits"]).toBe(3);
      expect(item?.description).toContain("Costs 3 credits per call");
      expect(item?.parameters).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ in: "path", name: "id", required: true }),
          expect.objectContaining({ in: "query", name: "verbose", required: false }),
          expect.objectContaining({ in: "header", name: "x-wallet-address" }),
          expect.objectContaining({ in: "header", name: "SIGN-IN-WITH-X" }),
        ]),
      );
      const analyze = doc.paths["/analyze"]?.post;
      expect(analyze?.["x-credits"]).toBe(5);
      expect(analyze?.requestBody?.content["application/json"]?.schema).toEqual({
        type: "object",
        properties: { text: { type: "string" } },
        required: ["text"],
      });
      // A route without a cost of its own is priced per call.
      expect(doc.paths["/free-text"]?.get?.["x-credits"]).toBe(2);
      // A metered route's credits are the most a call may cost.
      const summarize = doc.paths["/summarize"]?.post as Operation & { "x-credits-metered"?: true };
      expect(summarize).toMatchObject({ "x-credits": 10, "x-credits-metered": true });
      expect(summarize.description).toContain("Costs up to 10 credits per call");
      for (const op of [item, analyze]) {
        expect(op?.responses["402"]?.headers).toHaveProperty(["PAYMENT-REQUIRED"]);
        expect(op?.responses["200"]?.headers).toHaveProperty(["x-credits-charged"]);
      }
    });

    it("without routes: any path at the per-call price", async () => {
      const doc = await validOpenApi(
        await (await get(`/api/endpoints/${plain.slug}/openapi.json`)).json(),
      );
      expect(Object.keys(doc.paths).sort()).toEqual(["/", "/{path}"]);
      expect(doc.paths["/{path}"]?.post?.["x-credits"]).toBe(4);
    });

    it("stays valid whatever the api_schema holds: repeated names, routes and odd methods", async () => {
      const odd = await createEndpoint(app.ctx, origin.url, {
        apiSchema: {
          version: 1,
          routes: [
            { path: "/a/{id}/b/{id}", method: "get", parameters: [{ name: "q" }, { name: "q" }] },
            { path: "/a/{id}/b/{id}", method: "GET", credits: 9 },
            { path: "/x", method: "OPTIONS", credits: 2 },
            { path: "/up", method: "PUT", requestBody: { contentType: "text/plain", fields: [] } },
          ],
        },
      });
      const doc = await validOpenApi(
        await (await get(`/api/endpoints/${odd.slug}/openapi.json`)).json(),
      );
      // Of routes with one method and path, the gateway prices by the first with a cost.
      expect(doc.paths["/a/{id}/b/{id}"]?.get?.["x-credits"]).toBe(9);
      const wallet = await fundedWallet(app.ctx, odd.id, 20n);
      const call = await get(`/e/${odd.slug}/a/1/b/2`, { headers: { "x-wallet-address": wallet } });
      expect(call.headers.get("x-credits-charged")).toBe("9");
      expect(doc.paths["/x"]?.options?.["x-credits"]).toBe(2);
      expect(doc.paths["/up"]?.put?.requestBody?.content).toHaveProperty(["text/plain"]);
      // x402 catalogs describe no OPTIONS call: that route is in the OpenAPI only.
      const listed = (await (await get("/.well-known/x402")).json()) as DiscoveryResourcesResponse;
      const mine = listed.items.filter((i) => i.resource.includes(`/e/${odd.slug}/`));
      expect(mine.map((i) => i.resource).sort()).toEqual([
        `${publicUrl()}/e/${odd.slug}/a/:id/b/:id`,
        `${publicUrl()}/e/${odd.slug}/up`,
      ]);
      await app.ctx.db.update(endpoints).set({ paused: true }).where(eq(endpoints.id, odd.id));
    });

    it.each([
      ["unknown", () => "no-such-endpoint"],
      ["paused", () => paused.slug],
      ["deleted", () => deleted.slug],
      ["malformed", () => "Not_A_Slug"],
    ])("%s endpoint → 404 endpoint_not_found", async (_why, slug) => {
      const res = await get(`/api/endpoints/${slug()}/openapi.json`);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: "endpoint_not_found" } });
    });
  });

  describe("/.well-known/x402", () => {
    const read = async (query = "") => {
      const res = await get(`/.well-known/x402${query}`);
      expect(res.status).toBe(200);
      return (await res.json()) as DiscoveryResourcesResponse & {
        version: number;
        resources: string[];
      };
    };

    it("is the x402 discovery list: every field of every item as the Bazaar types say", async () => {
      const list = await read();
      expect(list.x402Version).toBe(2);
      expect(list.pagination).toEqual({ limit: 1000, offset: 0, total: list.items.length });
      for (const item of list.items) {
        expect(Object.keys(item).sort()).toEqual(
          expect.arrayContaining(["accepts", "lastUpdated", "resource", "type", "x402Version"]),
        );
        expect(item.resource.startsWith(`${publicUrl()}/`)).toBe(true);
        expect(item.type).toBe("http");
        expect(item.x402Version).toBe(2);
        expect(new Date(item.lastUpdated).toISOString()).toBe(item.lastUpdated);
        expect(item.accepts.length).toBeGreaterThan(0);
        for (const accepts of item.accepts) PaymentRequirementsV2Schema.parse(accepts);
        expect(typeof item.description).toBe("string");
        const bazaar = item.extensions?.bazaar as DiscoveryExtension;
        expect(validateDiscoveryExtension(bazaar)).toEqual({ valid: true });
        expect(validateDiscoveryExtensionSpec(bazaar as never)).toEqual({ valid: true });
      }
      // The older well-known form: the same resources, as URLs.
      expect(list.version).toBe(1);
      expect(list.resources).toEqual([...new Set(list.items.map((i) => i.resource))]);
    });

    it("lists the active endpoints' routes and purchase URLs, never paused or deleted ones", async () => {
      const list = await read();
      const urls = list.items.map((i) => i.resource);
      const base = publicUrl();
      expect(urls).toEqual(
        expect.arrayContaining([
          `${base}/e/${ep.slug}/items/:id`,
          `${base}/e/${ep.slug}/analyze`,
          `${base}/e/${plain.slug}`,
          `${base}/api/credits/purchase?endpoint=${ep.slug}&pack=starter`,
          `${base}/api/credits/purchase?endpoint=${ep.slug}&pack=bulk`,
          `${base}/e/demo/echo`,
        ]),
      );
      for (const gone of [paused.slug, deleted.slug])
        expect(urls.filter((u) => u.includes(gone))).toEqual([]);

      const analyze = list.items.find((i) => i.resource === `${base}/e/${ep.slug}/analyze`);
      expect(analyze?.description).toContain("5 credits a call");
      expect(analyze?.accepts[0]).toMatchObject({ amount: "1000000", extra: { pack: "starter" } });
      expect(analyze?.extensions?.bazaar).toMatchObject({
        info: { input: { type: "http", method: "POST", bodyType: "json" } },
        routeTemplate: `/e/${ep.slug}/analyze`,
      });
      const bulk = list.items.find((i) => i.resource.endsWith(`endpoint=${ep.slug}&pack=bulk`));
      expect(bulk?.accepts[0]).toMatchObject({ amount: "8500000", extra: { pack: "bulk" } });
    });

    it("pages with limit and offset", async () => {
      const all = await read();
      const page = await read("?limit=2&offset=1");
      expect(page.items).toEqual(all.items.slice(1, 3));
      expect(page.pagination).toEqual({ limit: 2, offset: 1, total: all.items.length });
      for (const bad of ["?limit=0", "?limit=1001", "?offset=-1", "?limit=x"]) {
        const res = await get(`/.well-known/x402${bad}`);
        expect(res.status).toBe(400);
      }
    });
  });

  describe("Bazaar extension in 402s", () => {
    const decode = (res: Response): PaymentRequired => {
      expect(res.status).toBe(402);
      const required = decodePaymentRequiredHeader(res.headers.get("payment-required") ?? "");
      PaymentRequiredSchema.parse(required);
      return required;
    };
    const bazaarOf = (required: PaymentRequired) => {
      const bazaar = required.extensions?.bazaar as DiscoveryExtension;
      expect(validateDiscoveryExtension(bazaar)).toEqual({ valid: true });
      expect(validateDiscoveryExtensionSpec(bazaar as never)).toEqual({ valid: true });
      return bazaar;
    };
    /** What a facilitator catalogs from a payment made against this 402. */
    const catalogued = (required: PaymentRequired) => {
      const accepted = required.accepts[0];
      if (!accepted) throw new Error("no accepts");
      const payload: PaymentPayload = {
        x402Version: 2,
        resource: required.resource,
        accepted,
        payload: {},
        extensions: required.extensions,
      };
      return extractDiscoveryInfo(payload, accepted);
    };

    it("a gateway 402 describes the declared route called, and catalogs as the gateway route", async () => {
      const wallet = await fundedWallet(app.ctx, ep.id, 1n);
      const required = decode(
        await get(`/e/${ep.slug}/analyze`, {
          method: "POST",
          headers: { "x-wallet-address": wallet, "content-type": "application/json" },
          body: "{}",
        }),
      );
      expect(bazaarOf(required)).toMatchObject({
        info: {
          input: { type: "http", method: "POST", bodyType: "json", body: { text: "" } },
        },
        schema: {
          properties: {
            input: { properties: { body: { properties: { text: { type: "string" } } } } },
          },
        },
        routeTemplate: `/e/${ep.slug}/analyze`,
      });
      expect(catalogued(required)).toMatchObject({
        resourceUrl: `${publicUrl()}/e/${ep.slug}/analyze`,
        method: "POST",
      });
    });

    it("an anonymous gateway 402 on a templated route names its path parameters", async () => {
      const required = decode(await get(`/e/${ep.slug}/items/42?verbose=true`));
      expect(required.error).toBe("payment_required");
      expect(bazaarOf(required)).toMatchObject({
        info: {
          input: { method: "GET", queryParams: { verbose: false }, pathParams: { id: "" } },
        },
        routeTemplate: `/e/${ep.slug}/items/:id`,
      });
      expect(catalogued(required)?.resourceUrl).toBe(`${publicUrl()}/e/${ep.slug}/items/:id`);
    });

    it("an undeclared path is described by the call itself", async () => {
      const required = decode(
        await get(`/e/${plain.slug}/some/where`, {
          method: "PUT",
          headers: { "content-type": "text/plain" },
          body: "hi",
        }),
      );
      expect(bazaarOf(required)).toMatchObject({
        info: { input: { method: "PUT", bodyType: "text" } },
        routeTemplate: `/e/${plain.slug}/some/where`,
      });
    });

    it("a purchase 402 describes buying its pack", async () => {
      const required = decode(
        await get(`/api/credits/purchase?endpoint=${ep.slug}&pack=bulk`, { method: "POST" }),
      );
      expect(bazaarOf(required)).toMatchObject({
        info: {
          input: {
            method: "POST",
            bodyType: "json",
            body: { endpoint: ep.slug, packId: "bulk" },
          },
          output: { example: { credits: 1000, endpoint: ep.slug } },
        },
        routeTemplate: "/api/credits/purchase",
      });
    });
  });

  describe("/llms.txt", () => {
    it("tells an agent how to check a balance, call, top up and sign in, with live endpoints", async () => {
      const res = await get("/llms.txt");
      const text = await res.text();
      const base = publicUrl();
      expect(text).toContain(`${base}/api/credits/balance?endpoint=`);
      expect(text).toContain(`${base}/api/credits/purchase?endpoint=${ep.slug}&pack=starter`);
      expect(text).toContain(`${base}/e/${ep.slug}/PATH`);
      expect(text).toContain(`[${ep.slug}](${base}/api/endpoints/${ep.slug}/openapi.json)`);
      expect(text).toContain("POST /analyze (5 credits)");
      expect(text).toContain("POST /summarize (up to 10 credits)");
      expect(text).toContain("8.50 USDC");
      expect(text).toContain("SIGN-IN-WITH-X");
      expect(text).toContain(`${base}/.well-known/x402`);
      expect(text).toContain(`${base}/openapi.json`);
      for (const gone of [paused.slug, deleted.slug]) expect(text).not.toContain(gone);
    });
  });
});
