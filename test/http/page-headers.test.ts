import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signSiwe } from "@/lib/auth/test-helpers";
import type { RunningApp } from "@/lib/server/start";
import { createEndpoint, fundedWallet } from "@/test/helpers/endpoints";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import { startTestApp } from "@/test/helpers/server";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";
const PAGES = ["/", "/endpoints/demo", "/me", "/provider", "/provider/new", "/provider/keys"];

/** The directives of a Content-Security-Policy header, by name. */
function directives(csp: string | null): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of (csp ?? "").split(";")) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out.set(name.toLowerCase(), values);
  }
  return out;
}

function nonceOf(csp: string | null): string {
  const source = directives(csp)
    .get("script-src")
    ?.find((s) => s.startsWith("'nonce-"));
  expect(source, `a nonce in script-src of: ${csp}`).toBeDefined();
  return (source ?? "").slice("'nonce-".length, -1);
}

describe("security headers on pages and API answers (PUBLIC_URL http)", () => {
  let app: RunningApp;

  beforeAll(async () => {
    app = await startTestApp({ door: "fast", target });
  });
  afterAll(() => app?.close());

  it.each(PAGES)(
    "%s: a nonce CSP that every script carries, and no inline-script escape",
    async (path) => {
      const res = await fetch(`${app.url}${path}`);
      expect(res.status).toBe(200);
      const csp = res.headers.get("content-security-policy");
      const d = directives(csp);
      const nonce = nonceOf(csp);
      expect(nonce).toMatch(/^[A-Za-z0-9+/_-]{22,}={0,2}$/);
      expect(d.get("script-src")).toContain("'strict-dynamic'");
      expect(d.get("script-src")).not.toContain("'unsafe-inline'");
      expect(d.get("script-src")).not.toContain("'unsafe-eval'");
      expect(d.get("frame-ancestors")).toEqual(["'none'"]);
      expect(d.get("object-src")).toEqual(["'none'"]);
      expect(d.get("base-uri")).toEqual(["'none'"]);
      expect(d.get("form-action")).toEqual(["'self'"]);
      expect(d.has("default-src")).toBe(true);
      expect(d.has("upgrade-insecure-requests")).toBe(false); // http: nothing to upgrade to
      const html = await res.text();
      const scripts = html.match(/<script\b[^>]*>/g) ?? [];
      expect(scripts.length).toBeGreaterThan(0);
      for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
      expect(res.headers.get("strict-transport-security")).toBeNull();
    },
  );

  it("the nonce is new on every answer", async () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 3; i++) {
      nonces.add(nonceOf((await fetch(`${app.url}/`)).headers.get("content-security-policy")));
    }
    expect(nonces.size).toBe(3);
  });

  it("the not-found page is covered too", async () => {
    const res = await fetch(`${app.url}/no-such-page`);
    expect(res.status).toBe(404);
    nonceOf(res.headers.get("content-security-policy"));
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it.each([
    ["/api/config", "Next's door"],
    ["/api/credits/balance?endpoint=demo", "the fast door"],
    ["/api/credits/purchase?endpoint=demo", "the fast door"],
  ])("%s (%s): nosniff, no framing, a CSP that allows nothing", async (path) => {
    const res = await fetch(`${app.url}${path}`, {
      method: path.includes("purchase") ? "POST" : "GET",
      headers: { "x-wallet-address": "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720" },
    });
    expect(res.status).toBeLessThan(500);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    const d = directives(res.headers.get("content-security-policy"));
    expect(d.get("default-src")).toEqual(["'none'"]);
    expect(d.get("frame-ancestors")).toEqual(["'none'"]);
  });

  it("the connect sources name only this server, the devnet RPC and the wallets' services", async () => {
    const d = directives((await fetch(`${app.url}/`)).headers.get("content-security-policy"));
    const connect = d.get("connect-src") ?? [];
    expect(connect).toContain("'self'");
    expect(connect).toContain(new URL(app.ctx.chain.rpcUrl).origin);
    expect(connect).not.toContain("*");
    expect(connect).not.toContain("https:");
    // No WALLETCONNECT_PROJECT_ID here: its relay is not allowed either.
    expect(connect.some((s) => s.includes("walletconnect"))).toBe(false);
  });
});

describe("PUBLIC_URL https: HSTS, upgrade, __Host- cookie", () => {
  let app: RunningApp;
  let origin: Origin;
  const alice = privateKeyToAccount(generatePrivateKey());

  const signIn = async () => {
    const { nonce } = (await (await fetch(`${app.url}/api/auth/nonce`)).json()) as {
      nonce: string;
    };
    const server = { publicUrl: app.ctx.config.publicUrl, chainId: app.ctx.payments.chainId };
    return fetch(`${app.url}/api/auth/verify`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(await signSiwe(alice, server, { nonce })),
    });
  };

  beforeAll(async () => {
    origin = await startOrigin();
    app = await startTestApp({
      door: "fast",
      target,
      env: {
        PUBLIC_URL: "https://credits.example",
        // A public URL turns private origins off; the test origin is on loopback.
        ALLOW_PRIVATE_ORIGINS: "true",
        WALLETCONNECT_PROJECT_ID: "e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0",
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    await origin?.close();
  });

  it.each(["/", "/api/config", "/api/credits/balance?endpoint=demo"])(
    "%s carries HSTS",
    async (path) => {
      const res = await fetch(`${app.url}${path}`, {
        headers: { "x-wallet-address": alice.address },
      });
      expect(res.headers.get("strict-transport-security")).toBe(
        "max-age=31536000; includeSubDomains",
      );
    },
  );

  it("pages ask to upgrade insecure requests and allow WalletConnect's services once configured", async () => {
    const d = directives((await fetch(`${app.url}/`)).headers.get("content-security-policy"));
    expect(d.has("upgrade-insecure-requests")).toBe(true);
    expect(d.get("connect-src")).toContain("wss://relay.walletconnect.org");
  });

  it("the session cookie is __Host- prefixed; the unprefixed name is not accepted", async () => {
    const res = await signIn();
    expect(res.status).toBe(200);
    const setCookie = res.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^__Host-x402c_session=[\w-]{43}\.[\w-]{43}; /);
    expect(setCookie).toMatch(/; Secure/);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Domain=/i);
    const pair = setCookie.split(";")[0] ?? "";
    const session = (cookie: string) =>
      fetch(`${app.url}/api/auth/session`, { headers: { cookie } });
    expect((await session(pair)).status).toBe(200);
    // A cookie without the prefix may have been planted by a sibling host or over http.
    expect((await session(pair.replace(/^__Host-/, ""))).status).toBe(401);

    const out = await fetch(`${app.url}/api/auth/logout`, {
      method: "POST",
      headers: { cookie: pair },
    });
    expect(out.status).toBe(200);
    expect(out.headers.get("set-cookie")).toMatch(/^__Host-x402c_session=; .*Max-Age=0.*Secure/);
    expect((await session(pair)).status).toBe(401);
  });

  it("the gateway never forwards the __Host- session cookie to an origin", async () => {
    const ep = await createEndpoint(app.ctx, origin.url);
    const wallet = await fundedWallet(app.ctx, ep.id, 10n);
    const res = await fetch(`${app.url}/e/${ep.slug}/echo`, {
      headers: {
        "x-wallet-address": wallet,
        cookie: "theme=dark; __Host-x402c_session=abc.def; x402c_session=ghi.jkl",
      },
    });
    expect(res.status).toBe(200);
    const seen = origin.seen.at(-1);
    expect(seen?.headers.cookie).toBe("theme=dark");
  });
});
