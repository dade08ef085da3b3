import type { LocalAccount } from "viem";
import { signSiwe } from "@/lib/auth/test-helpers";
import type { RunningApp } from "@/lib/server/start";

/** Signs in with SIWE through the real endpoints; returns the Cookie header value. */
export async function signIn(app: RunningApp, account: LocalAccount): Promise<string> {
  const { nonce } = (await (await fetch(`${app.url}/api/auth/nonce`)).json()) as { nonce: string };
  const server = { publicUrl: app.ctx.config.publicUrl, chainId: app.ctx.payments.chainId };
  const res = await fetch(`${app.url}/api/auth/verify`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(await signSiwe(account, server, { nonce })),
  });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  return (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
}

/** A fetch bound to one credential (session cookie or API key). */
export function asCaller(app: RunningApp, auth: { cookie?: string; apiKey?: string }) {
  return (path: string, init: RequestInit & { json?: unknown } = {}) => {
    const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
    if (auth.cookie) headers.cookie = auth.cookie;
    if (auth.apiKey) headers.authorization = `Bearer ${auth.apiKey}`;
    if (init.json !== undefined) headers["content-type"] = "application/json";
    return fetch(`${app.url}${path}`, {
      ...init,
      headers,
      body: init.json === undefined ? init.body : JSON.stringify(init.json),
    });
  };
}

export function endpointInput(
  slug: string,
  originUrl: string,
  extra: Record<string, unknown> = {},
) {
  return {
    slug,
    name: `API ${slug}`,
    description: "Test API",
    originUrl,
    creditsPerCall: 1,
    packs: [
      { name: "Starter", credits: 100, price: "1.00" },
      { name: "Standard", credits: 1000, price: "8.00" },
      { name: "Pro", credits: 10000, price: "50" },
    ],
    ...extra,
  };
}
