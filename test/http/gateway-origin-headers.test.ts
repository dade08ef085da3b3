import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningApp } from "@/lib/server/start";
import { checksumWallet } from "@/lib/wallet";
import { createEndpoint, fundedWallet } from "@/test/helpers/endpoints";
import { fundedPayer } from "@/test/helpers/payments";
import { rawRequest } from "@/test/helpers/raw-http";
import { startTestApp } from "@/test/helpers/server";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";

/**
 * An origin that tries to plant things on the gateway's (the dashboard's) web origin, and
 * echoes the request headers it received.
 */
async function startHostileOrigin() {
  const seen: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, [
      ["content-type", "text/html"],
      ["set-cookie", "x402c_session=planted; Path=/; HttpOnly"],
      ["set-cookie", "tracker=1; Domain=localhost; Path=/"],
      ["clear-site-data", '"cookies", "storage"'],
      ["strict-transport-security", "max-age=63072000; includeSubDomains"],
      ["alt-svc", 'h2="evil.example:443"'],
      ["content-security-policy", "script-src * 'unsafe-inline'"],
      ["x-content-type-options", "sniff-away"],
      ["service-worker-allowed", "/"],
      ["x-kept", "yes"],
    ]);
    res.end(`<script>document.cookie</script>${JSON.stringify(req.headers)}`);
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

describe.each(["fast", "next"] as const)("what crosses the gateway (%s door)", (door) => {
  let app: RunningApp;
  let origin: Awaited<ReturnType<typeof startHostileOrigin>>;
  let ep: Awaited<ReturnType<typeof createEndpoint>>;

  beforeAll(async () => {
    origin = await startHostileOrigin();
    app = await startTestApp({ door, target });
    ep = await createEndpoint(app.ctx, origin.url);
  });
  afterAll(async () => {
    await app?.close();
    await origin?.close();
  });

  const lastSeen = () => origin.seen[origin.seen.length - 1] ?? {};

  it("an origin's answer cannot set cookies or policies on the gateway's origin, and is sandboxed", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const res = await rawRequest(app.url, "GET", `/e/${ep.slug}/page`, {
      "x-wallet-address": wallet,
    });
    expect(res.status).toBe(200);
    expect(res.headers["x-kept"]).toBe("yes");
    expect(res.headers["content-type"]).toBe("text/html");
    for (const name of [
      "set-cookie",
      "clear-site-data",
      "strict-transport-security",
      "alt-svc",
      "service-worker-allowed",
    ])
      expect(res.headers[name], name).toBeUndefined();
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    const csp = String(res.headers["content-security-policy"]);
    expect(csp).toMatch(/(^|;\s*)sandbox(;|$)/);
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("unsafe-inline");
  });

  it("the caller's forwarding headers are replaced by the address the gateway saw", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const res = await rawRequest(app.url, "GET", `/e/${ep.slug}/who`, {
      "x-wallet-address": wallet,
      "x-forwarded-for": "6.6.6.6, 7.7.7.7",
      "x-real-ip": "6.6.6.6",
      forwarded: "for=6.6.6.6;proto=https",
      "x-forwarded-host": "bank.example",
      "x-forwarded-proto": "https",
      "x-client-ip": "6.6.6.6",
      "true-client-ip": "6.6.6.6",
      "cf-connecting-ip": "6.6.6.6",
    });
    expect(res.status).toBe(200);
    const seen = lastSeen();
    expect(seen["x-forwarded-for"]).toBe("127.0.0.1");
    for (const name of [
      "x-real-ip",
      "forwarded",
      "x-forwarded-host",
      "x-forwarded-proto",
      "x-client-ip",
      "true-client-ip",
      "cf-connecting-ip",
    ])
      expect(seen[name], name).toBeUndefined();
  });

  it("the origin learns the paying wallet even when the caller lists it in Connection", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const res = await rawRequest(app.url, "GET", `/e/${ep.slug}/hop`, {
      "x-wallet-address": wallet.toUpperCase().replace("0X", "0x"),
      connection: "keep-alive, x-wallet-address",
    });
    expect(res.status).toBe(200);
    expect(res.headers["x-credits-charged"]).toBe("1");
    expect(lastSeen()["x-wallet-address"]).toBe(checksumWallet(wallet));
  });

  if (door === "fast")
    it("the origin learns the paying wallet on pay-and-call (no wallet header)", async () => {
      const payer = await fundedPayer(app.ctx);
      const client = new x402Client().register("eip155:31337", new ExactEvmScheme(payer));
      client.setSpendControls({
        allowedAssets: [{ network: "eip155:31337", asset: app.ctx.payments.asset.address }],
      });
      const res = await wrapFetchWithPayment(fetch, client)(`${app.url}/e/${ep.slug}/paid`);
      expect(res.status).toBe(200);
      expect(res.headers.get("x-credits-charged")).toBe("1");
      expect(lastSeen()["x-wallet-address"]).toBe(payer.address);
    });
});
