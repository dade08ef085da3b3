import { Writable } from "node:stream";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signSiwe } from "@/lib/auth/test-helpers";
import { createLogger, installLogger, type Logger, log } from "@/lib/log/logger";
import type { RunningApp } from "@/lib/server/start";
import { createEndpoint, fundedWallet } from "@/test/helpers/endpoints";
import { startOrigin } from "@/test/helpers/origin";
import { signIn } from "@/test/helpers/provider";
import { rawRequest } from "@/test/helpers/raw-http";
import { startTestApp } from "@/test/helpers/server";
import { until } from "@/test/helpers/until";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Line {
  msg?: string;
  reqId?: string;
  method?: string;
  route?: string;
  status?: number | string;
  ms?: number;
}

/** Everything the process logs, as written: the app's logger is swapped for one into this. */
function captureLogs() {
  let text = "";
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString("utf8");
      done();
    },
  });
  return {
    logger: createLogger({ level: "info", destination: sink }),
    text: () => text,
    lines: () =>
      text
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Line),
  };
}

describe.each(["fast", "next"] as const)("request ids and logs (%s door)", (door) => {
  let app: RunningApp;
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  let ep: Awaited<ReturnType<typeof createEndpoint>>;
  let logs: ReturnType<typeof captureLogs>;
  let previous: Logger;

  beforeAll(async () => {
    previous = log();
    logs = captureLogs();
    installLogger(logs.logger);
    origin = await startOrigin();
    app = await startTestApp({ door, target });
    ep = await createEndpoint(app.ctx, origin.url);
  });
  afterAll(async () => {
    await app?.close();
    await origin?.close();
    installLogger(previous);
  });

  const requestLines = (reqId: string) =>
    logs.lines().filter((l) => l.msg === "request" && l.reqId === reqId);
  /** The line is written when the connection is done with the answer: just after it. */
  const lineOf = (reqId: string) =>
    until(
      async () => requestLines(reqId),
      (lines) => lines.length > 0,
    );

  async function call(headers: Record<string, string>) {
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const before = origin.seen.length;
    const res = await rawRequest(app.url, "GET", `/e/${ep.slug}/echo?q=secret-path`, {
      "x-wallet-address": wallet,
      ...headers,
    });
    expect(res.status).toBe(200);
    expect(origin.seen.length).toBe(before + 1);
    const reqId = String(res.headers["x-request-id"]);
    return { reqId, forwarded: origin.seen[before]?.headers["x-request-id"] };
  }

  it("keeps a well-formed caller id: returned, sent to the origin, logged once", async () => {
    const { reqId, forwarded } = await call({ "x-request-id": "trace-42.a_b" });
    expect(reqId).toBe("trace-42.a_b");
    expect(forwarded).toBe("trace-42.a_b");
    const lines = await lineOf(reqId);
    expect(lines).toEqual([
      expect.objectContaining({ method: "GET", route: "/e/:slug", status: 200 }),
    ]);
    expect(lines[0]?.ms).toBeGreaterThanOrEqual(0);
  });

  it("gives a request without an id a fresh one, the same to the caller and the origin", async () => {
    const { reqId, forwarded } = await call({});
    expect(reqId).toMatch(UUID);
    expect(forwarded).toBe(reqId);
    expect(await lineOf(reqId)).toHaveLength(1);
  });

  it.each([
    ["too long", "x".repeat(129)],
    ["a space", "two words"],
    ["a quote", 'say"hi'],
  ])("replaces a malformed caller id (%s)", async (_, bad) => {
    const { reqId, forwarded } = await call({ "x-request-id": bad });
    expect(reqId).toMatch(UUID);
    expect(forwarded).toBe(reqId);
    expect(await lineOf(reqId)).toHaveLength(1);
    expect(logs.text()).not.toContain(bad);
  });

  it("a route outside the gateway carries and logs one too", async () => {
    const res = await rawRequest(app.url, "GET", "/api/credits/packs?endpoint=nope");
    expect(String(res.headers["x-request-id"])).toMatch(UUID);
    expect(await lineOf(String(res.headers["x-request-id"]))).toEqual([
      expect.objectContaining({ route: "/api/credits/packs" }),
    ]);
  });

  it("never writes the origin key, API keys, wallet tokens, cookies or APP_SECRET", async () => {
    const cookie = await signIn(app, privateKeyToAccount(generatePrivateKey()));
    const created = await fetch(`${app.url}/api/provider/keys`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json" },
      body: JSON.stringify({ name: "logs" }),
    });
    expect(created.status).toBe(201);
    const { key: apiKey } = (await created.json()) as { key: string };

    const agent = privateKeyToAccount(generatePrivateKey());
    const { nonce } = (await (await fetch(`${app.url}/api/auth/nonce?purpose=token`)).json()) as {
      nonce: string;
    };
    const server = { publicUrl: app.ctx.config.publicUrl, chainId: app.ctx.payments.chainId };
    const tokenRes = await fetch(`${app.url}/api/auth/token`, {
      method: "POST",
      body: JSON.stringify(await signSiwe(agent, server, { nonce })),
    });
    expect(tokenRes.status).toBe(200);
    const { token } = (await tokenRes.json()) as { token: string };

    const appSecret = app.ctx.config.appSecret;
    const ids: string[] = [];
    const sent = async (method: string, path: string, headers: Record<string, string>) => {
      const res = await rawRequest(app.url, method, path, headers);
      ids.push(String(res.headers["x-request-id"]));
    };
    await sent("GET", "/api/provider/keys", { authorization: `Bearer ${apiKey}` });
    await sent("GET", "/api/provider/keys", { cookie });
    await sent("GET", `/e/${ep.slug}/echo`, {
      authorization: `Bearer ${token}`,
      "x-api-key": ep.originKey,
      cookie: `${cookie}; other=1`,
      "x-app-secret": appSecret,
    });
    await sent("GET", `/e/${ep.slug}/echo`, {
      "x-wallet-address": await fundedWallet(app.ctx, ep.id, 10n),
      "payment-signature": appSecret,
    });
    for (const id of ids) await lineOf(id);
    // What a later caller might log by mistake is censored too.
    log().warn(
      {
        req: { headers: { cookie, authorization: `Bearer ${token}`, "x-api-key": ep.originKey } },
        apiKey,
        config: { appSecret },
      },
      "misused",
    );

    const text = logs.text();
    expect(text).toContain('"msg":"misused"');
    for (const [name, secret] of Object.entries({
      apiKey,
      token,
      cookie: cookie.split("=")[1] ?? cookie,
      originKey: ep.originKey,
      appSecret,
    })) {
      expect(secret.length, name).toBeGreaterThan(8);
      expect(text.includes(secret), `${name} appears in the log`).toBe(false);
    }
  });
});
