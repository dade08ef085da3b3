import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { anvilAccount } from "@/lib/chain/devnet";
import { DEMO_BUYER, DEMO_PROVIDER, DEMO_SLUG } from "@/lib/demo/accounts";
import type { RunningApp } from "@/lib/server/start";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import { asCaller, endpointInput, signIn } from "@/test/helpers/provider";
import { startTestApp } from "@/test/helpers/server";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";

// Hole 2 of issue #11: the embedded default, once it listens beyond loopback.
describe("an embedded server reachable from the network (HOST=0.0.0.0)", () => {
  let app: RunningApp;
  let origin: Origin;
  let asDemoProvider: ReturnType<typeof asCaller>;

  beforeAll(async () => {
    origin = await startOrigin();
    app = await startTestApp({ door: "fast", target, env: { HOST: "0.0.0.0" } });
    const demoProvider = anvilAccount(2);
    expect(demoProvider.address).toBe(DEMO_PROVIDER);
    asDemoProvider = asCaller(app, { cookie: await signIn(app, demoProvider) });
  });
  afterAll(async () => {
    await app?.close();
    await origin?.close();
  });

  it("refuses origins on private addresses without ALLOW_PRIVATE_ORIGINS", async () => {
    const res = await asDemoProvider("/api/provider/endpoints", {
      method: "POST",
      json: endpointInput("inside-job", origin.url),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: { code: "invalid_field" } });
  });

  it("the demo endpoint cannot be re-pointed with the well-known demo provider key", async () => {
    const patch = await asDemoProvider(`/api/provider/endpoints/${DEMO_SLUG}`, {
      method: "PATCH",
      json: { originUrl: "https://93.184.215.14/steal", payTo: DEMO_BUYER },
    });
    expect(patch.status).toBe(404);
    const list = (await (await asDemoProvider("/api/provider/endpoints")).json()) as {
      endpoints: { slug: string }[];
    };
    expect(list.endpoints.map((e) => e.slug)).not.toContain(DEMO_SLUG);
    for (const action of ["pause", "rotate-key"]) {
      const res = await asDemoProvider(`/api/provider/endpoints/${DEMO_SLUG}/${action}`, {
        method: "POST",
      });
      expect(res.status, action).toBe(404);
    }
  });

  it("the demo endpoint still serves its own API", async () => {
    const res = await fetch(`${app.url}/e/${DEMO_SLUG}/echo?x=1`, {
      headers: { "x-wallet-address": DEMO_BUYER },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ path: "/echo", query: { x: "1" } });
  });
});
