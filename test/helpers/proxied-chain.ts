import { decodePaymentRequiredHeader } from "@x402/core/http";
import type { PaymentRequirements } from "@x402/core/types";
import { type AnvilProcess, startAnvil } from "@/lib/chain/anvil";
import { freeLoopbackPort } from "@/lib/net/free-port";
import type { RunningApp } from "@/lib/server/start";
import type { TestTarget } from "./databases";
import { type RpcProxy, startRpcProxy } from "./rpc-proxy";
import { startTestApp } from "./server";

export interface ProxiedChainApp {
  app: RunningApp;
  anvil: AnvilProcess;
  proxy: RpcProxy;
  close(): Promise<void>;
}

/**
 * The app on a devnet whose every RPC call (settlement, reconciler, faucet) goes through
 * a fault-injecting proxy in front of a real anvil. Tests read the chain at `anvil.rpcUrl`.
 */
export async function startAppBehindRpcProxy(opts: {
  target: TestTarget;
  env?: Record<string, string>;
  /** Path appended to the proxy's URL in RPC_URL (e.g. an "API key" that must never leak). */
  rpcPath?: string;
}): Promise<ProxiedChainApp> {
  const anvil = await startAnvil({ port: await freeLoopbackPort(), chainId: 31337 });
  const proxy = await startRpcProxy(anvil.rpcUrl);
  const app = await startTestApp({
    door: "fast",
    target: opts.target,
    env: { DEVNET: "true", RPC_URL: `${proxy.url}${opts.rpcPath ?? ""}`, ...opts.env },
  });
  return {
    app,
    anvil,
    proxy,
    async close() {
      await app.close();
      await proxy.close();
      await anvil.stop();
    },
  };
}

/** The purchaseUrl of a pack and the x402 terms its 402 offers. */
export async function packTerms(app: RunningApp, slug: string, pack = "starter") {
  const url = `${app.url}/api/credits/purchase?endpoint=${slug}&pack=${pack}`;
  const res = await fetch(url, { method: "POST" });
  const required = decodePaymentRequiredHeader(res.headers.get("payment-required") ?? "");
  return {
    url,
    accepted: required.accepts[0] as PaymentRequirements,
    body: (await res.json()) as Record<string, unknown>,
  };
}

/** Polls GET /api/credits/purchases/ID until it leaves `pending` or time runs out. */
export async function waitForPurchase(app: RunningApp, id: string, withinMs = 15_000) {
  let status = "pending";
  for (const deadline = Date.now() + withinMs; status === "pending" && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 100));
    const res = await fetch(`${app.url}/api/credits/purchases/${id}`);
    status = ((await res.json()) as { status: string }).status;
  }
  return status;
}
