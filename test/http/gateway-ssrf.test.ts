import { type LookupAddress, lookup } from "node:dns";
import { isIP } from "node:net";
import { eq } from "drizzle-orm";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { endpoints } from "@/db/schema";
import { getBalance } from "@/lib/ledger";
import type { RunningApp } from "@/lib/server/start";
import { createEndpoint, fundedWallet } from "@/test/helpers/endpoints";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import { asCaller, endpointInput, signIn } from "@/test/helpers/provider";
import { startTestApp } from "@/test/helpers/server";
import { PUBLIC_ORIGINS, specialOriginUrls } from "@/test/helpers/ssrf-table";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";

/** A DNS that answers what the test says, name by name, in turn (DNS rebinding). */
const answers = new Map<string, string[][]>();
function testResolver(
  hostname: string,
  _options: unknown,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) {
  const queue = answers.get(hostname);
  // Names the test does not script are the system's (localhost).
  if (!queue) return lookup(hostname, { all: true }, callback);
  const next = queue.length > 1 ? queue.shift() : queue[0];
  if (!next) return callback(Object.assign(new Error("not found"), { code: "ENOTFOUND" }), []);
  callback(
    null,
    next.map((address) => ({ address, family: isIP(address) })),
  );
}

// Hole 1 of issue #11, on a deployment that refuses private origins.
describe("origins on special-purpose addresses are refused (SSRF)", () => {
  let app: RunningApp;
  let origin: Origin;
  let port: number;
  let provider: ReturnType<typeof asCaller>;
  let n = 0;

  beforeAll(async () => {
    origin = await startOrigin();
    port = Number(new URL(origin.url).port);
    app = await startTestApp({
      door: "fast",
      target,
      env: { ALLOW_PRIVATE_ORIGINS: "false" },
      context: { resolveOrigin: testResolver },
    });
    provider = asCaller(app, {
      cookie: await signIn(app, privateKeyToAccount(generatePrivateKey())),
    });
  });
  afterAll(async () => {
    await app?.close();
    await origin?.close();
  });

  const create = (originUrl: string) =>
    provider("/api/provider/endpoints", {
      method: "POST",
      json: endpointInput(`ssrf-${++n}`, originUrl),
    });

  /** A call through an endpoint whose stored origin is `url` (as a rebinding would leave it). */
  async function callThrough(url: string) {
    const ep = await createEndpoint(app.ctx, url, { timeoutMs: 1_000 });
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const res = await fetch(`${app.url}/e/${ep.slug}/echo`, {
      headers: { "x-wallet-address": wallet },
    });
    return {
      res,
      body: await res.text(),
      balance: await getBalance(app.ctx.db, { endpointId: ep.id, wallet }),
    };
  }

  const byRange = new Map<string, [string, string][]>();
  for (const [range, form, url] of specialOriginUrls(0)) {
    byRange.set(range, [...(byRange.get(range) ?? []), [form, url]]);
  }

  it.each([...byRange.keys()])("at creation: %s, in every form → 422", async (range) => {
    const refused: string[] = [];
    for (const [form, url] of byRange.get(range) ?? []) {
      const res = await create(url.replace(/:0$/, `:${port}`));
      const body = (await res.json()) as { error?: { code: string } };
      if (res.status !== 422 || body.error?.code !== "invalid_field")
        refused.push(`${form} ${url} → ${res.status}`);
    }
    expect(refused).toEqual([]);
  });

  it.each([...byRange.keys()])(
    "at connect time: %s, in every form → 502 origin_address_refused, refunded, origin never reached",
    async (range) => {
      const wrong: string[] = [];
      const hits = origin.hits();
      for (const [form, url] of byRange.get(range) ?? []) {
        const { res, body, balance } = await callThrough(url.replace(/:0$/, `:${port}`));
        const code =
          res.status === 502 ? (JSON.parse(body) as { error: { code: string } }).error.code : "";
        if (code !== "origin_address_refused" || balance !== 10n)
          wrong.push(`${form} ${url} → ${res.status} ${code} balance ${balance}`);
      }
      expect(wrong).toEqual([]);
      expect(origin.hits()).toBe(hits);
    },
  );

  it.each(PUBLIC_ORIGINS)("a public origin (%s) is accepted at creation", async (url) => {
    expect((await create(url)).status).toBe(201);
  });

  it("a name that resolves to loopback when called (localhost) is refused at connect time", async () => {
    const hits = origin.hits();
    const { res, body, balance } = await callThrough(`http://localhost:${port}`);
    expect(res.status).toBe(502);
    expect(JSON.parse(body)).toMatchObject({ error: { code: "origin_address_refused" } });
    expect(balance).toBe(10n);
    expect(origin.hits()).toBe(hits);
  });

  it("DNS rebinding: public when saved, loopback when called → refused, refunded", async () => {
    answers.set("rebind.test", [["93.184.215.14"], ["127.0.0.1"]]);
    const created = await create(`http://rebind.test:${port}`);
    expect(created.status).toBe(201);
    const slug = ((await created.json()) as { endpoint: { slug: string } }).endpoint.slug;
    const [row] = await app.ctx.db.select().from(endpoints).where(eq(endpoints.slug, slug));
    const wallet = await fundedWallet(app.ctx, row?.id ?? 0, 10n);
    const hits = origin.hits();
    const res = await fetch(`${app.url}/e/${slug}/echo`, {
      headers: { "x-wallet-address": wallet },
    });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: { code: "origin_address_refused" } });
    expect(res.headers.get("x-credits-charged")).toBe("0");
    expect(await getBalance(app.ctx.db, { endpointId: row?.id ?? 0, wallet })).toBe(10n);
    expect(origin.hits()).toBe(hits);
  });

  it("a name with one private answer among public ones is refused, at creation and when called", async () => {
    answers.set("mixed.test", [["93.184.215.14", "10.0.0.7"]]);
    const created = await create("http://mixed.test");
    expect(created.status).toBe(422);
    const { res, body } = await callThrough("http://mixed.test");
    expect(res.status).toBe(502);
    expect(JSON.parse(body)).toMatchObject({ error: { code: "origin_address_refused" } });
  });
});
