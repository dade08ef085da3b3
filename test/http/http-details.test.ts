import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { getBalance } from "@/lib/ledger";
import type { RunningApp } from "@/lib/server/start";
import { createEndpoint, fundedWallet } from "@/test/helpers/endpoints";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import { fundedPayer } from "@/test/helpers/payments";
import { rawRequest } from "@/test/helpers/raw-http";
import { startTestApp } from "@/test/helpers/server";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";
const run = promisify(execFile);

/**
 * Every reserved character of RFC 3986 (`#` included: sent raw, as a client that means it
 * literally would), characters URL parsers re-encode (`'`, `"`, `` ` ``, `{`, `|`), and
 * %-escapes in both cases, a malformed one and an escaped space.
 */
const QUERY = `?a='"!*()~;:@&=+$,/?#[]&b=%2f%2F%41%7e%zz%&c=a%20b+c&d={|}^\`&e`;

/** A real `curl --data-binary @file` upload; the status, headers and body it got back. */
async function curlUpload(url: string, file: string, headers: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), "x402-curl-"));
  const args = ["-sS", "-v", "--data-binary", `@${file}`, "-D", `${dir}/headers`];
  args.push("-o", `${dir}/body`, "-w", "%{http_code}");
  // curl sends this itself for a body this size; said here so a curl that stops doing so
  // still tests it.
  args.push("-H", "Expect: 100-continue");
  for (const [name, value] of Object.entries(headers)) args.push("-H", `${name}: ${value}`);
  const { stdout, stderr } = await run("curl", [...args, url]);
  const head = readFileSync(`${dir}/headers`, "utf8");
  const header = (name: string) =>
    new RegExp(`^${name}: *(.*?)\\r?$`, "im").exec(head.split(/\r?\n\r?\n/).at(-2) ?? "")?.[1];
  return { status: Number(stdout), verbose: stderr, header, body: readFileSync(`${dir}/body`) };
}

describe.each(["fast", "next"] as const)("HTTP details real clients hit (%s door)", (door) => {
  let app: RunningApp;
  let origin: Origin;
  let ep: Awaited<ReturnType<typeof createEndpoint>>;
  let file: string;
  let fileSha256: string;

  beforeAll(async () => {
    origin = await startOrigin();
    app = await startTestApp({ door, target });
    ep = await createEndpoint(app.ctx, origin.url);
    const bytes = randomBytes(2 * 1024 * 1024);
    file = path.join(mkdtempSync(path.join(tmpdir(), "x402-upload-")), "2mib.bin");
    writeFileSync(file, bytes);
    fileSha256 = createHash("sha256").update(bytes).digest("hex");
  });
  afterAll(async () => {
    await app?.close();
    await origin?.close();
  });

  const lastSeen = () => origin.seen[origin.seen.length - 1];

  it.each([
    ["", "/e/SLUG/upload"],
    ["", "/api/public/endpoints/SLUG/upload"],
  ])(
    "curl --data-binary @2MiB-file %s (Expect: 100-continue) to %s: the exact bytes reach the origin, charged once",
    async (_, route) => {
      const wallet = await fundedWallet(app.ctx, ep.id, 10n);
      const hits = origin.hits();
      const res = await curlUpload(`${app.url}${route.replace("SLUG", ep.slug)}`, file, {
        "x-wallet-address": wallet,
      });
      expect(res.verbose).toMatch(/^> Expect: 100-continue/m);
      expect(res.verbose).toMatch(/^< HTTP\/1\.1 100 Continue/m);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body.toString("utf8"))).toEqual({
        size: 2 * 1024 * 1024,
        sha256: fileSha256,
      });
      expect(res.header("x-credits-charged")).toBe("1");
      expect(origin.hits()).toBe(hits + 1);
      // The expectation was met here; the origin is not asked to meet it again.
      expect(lastSeen()?.headers.expect).toBeUndefined();
      expect(await getBalance(app.ctx.db, { endpointId: ep.id, wallet })).toBe(9n);
    },
  );

  it("curl --data-binary @2MiB-file with an Idempotency-Key: refused (keyed bodies are held, up to 1 MiB), nothing charged", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const hits = origin.hits();
    const res = await curlUpload(`${app.url}/e/${ep.slug}/upload`, file, {
      "x-wallet-address": wallet,
      "idempotency-key": `upload-${wallet}`,
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body.toString("utf8"))).toMatchObject({
      error: { code: "payload_too_large" },
    });
    expect(origin.hits()).toBe(hits);
    expect(await getBalance(app.ctx.db, { endpointId: ep.id, wallet })).toBe(10n);
  });

  it.each(["/e/SLUG/echo", "/api/public/endpoints/SLUG/echo"])(
    "a query with every reserved character reaches the origin byte for byte (%s)",
    async (route) => {
      const wallet = await fundedWallet(app.ctx, ep.id, 10n);
      const res = await rawRequest(app.url, "GET", `${route.replace("SLUG", ep.slug)}${QUERY}`, {
        "x-wallet-address": wallet,
      });
      expect(res.status).toBe(200);
      expect(lastSeen()?.url).toBe(`/echo${QUERY}`);
    },
  );

  it("an empty query and no query stay what they were", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    await rawRequest(app.url, "GET", `/e/${ep.slug}/echo?`, { "x-wallet-address": wallet });
    expect(lastSeen()?.url).toBe("/echo?");
    await rawRequest(app.url, "GET", `/e/${ep.slug}/echo`, { "x-wallet-address": wallet });
    expect(lastSeen()?.url).toBe("/echo");
  });

  it("a caller's own x-original-url changes nothing the origin gets", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    await rawRequest(app.url, "GET", `/e/${ep.slug}/echo?real=1`, {
      "x-wallet-address": wallet,
      "x-original-url": `/e/${ep.slug}/echo?forged=1`,
    });
    expect(lastSeen()?.url).toBe("/echo?real=1");
    expect(lastSeen()?.headers["x-original-url"]).toBeUndefined();
  });

  it.each([
    ["Upgrade: websocket", { connection: "Upgrade", upgrade: "websocket" }],
    ["a mixed-case token list", { connection: "keep-alive, Upgrade", upgrade: "foo, WebSocket" }],
  ])(
    "a WebSocket upgrade (%s) → 501 websocket_unsupported, nothing charged, origin never called",
    async (_name, upgrade) => {
      // A request through Next first: its handler attaches an 'upgrade' listener to the server.
      expect((await rawRequest(app.url, "GET", "/api/config")).status).toBe(200);
      const wallet = await fundedWallet(app.ctx, ep.id, 10n);
      const hits = origin.hits();
      const res = await rawRequest(app.url, "GET", `/e/${ep.slug}/socket`, {
        ...upgrade,
        "sec-websocket-key": randomBytes(16).toString("base64"),
        "sec-websocket-version": "13",
        "x-wallet-address": wallet,
      });
      expect(res.status).toBe(501);
      expect(res.headers["content-type"]).toMatch(/^application\/json/);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: "websocket_unsupported" } });
      expect(res.headers["x-credits-charged"]).toBeUndefined();
      expect(origin.hits()).toBe(hits);
      expect(await getBalance(app.ctx.db, { endpointId: ep.id, wallet })).toBe(10n);
    },
  );

  it("an h2c upgrade offer (curl --http2 on http://) is ignored: served over HTTP/1.1", async () => {
    expect((await rawRequest(app.url, "GET", "/api/config")).status).toBe(200);
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const res = await rawRequest(app.url, "GET", `/e/${ep.slug}/echo`, {
      connection: "Upgrade, HTTP2-Settings",
      upgrade: "h2c",
      "http2-settings": "AAMAAABkAARAAAAAAAIAAAAA",
      "x-wallet-address": wallet,
    });
    expect(res.status).toBe(200);
    expect(res.headers["x-credits-charged"]).toBe("1");
  });

  // The fast door's case is in gateway-origin-headers.test.ts.
  if (door === "next")
    it("the origin learns the paying wallet on pay-and-call (no wallet header)", async () => {
      const payer = await fundedPayer(app.ctx);
      const client = new x402Client().register("eip155:31337", new ExactEvmScheme(payer));
      client.setSpendControls({
        allowedAssets: [{ network: "eip155:31337", asset: app.ctx.payments.asset.address }],
      });
      const res = await wrapFetchWithPayment(fetch, client)(`${app.url}/e/${ep.slug}/paid`);
      expect(res.status).toBe(200);
      expect(res.headers.get("x-credits-charged")).toBe("1");
      expect(lastSeen()?.headers["x-wallet-address"]).toBe(payer.address);
    });
});
