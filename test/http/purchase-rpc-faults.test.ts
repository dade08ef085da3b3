import { Writable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { getBalance } from "@/lib/ledger";
import { createLogger, installLogger, log } from "@/lib/log/logger";
import { expectChainAndLedgerAgree, purchaseEntries } from "@/test/helpers/chain-audit";
import { createEndpoint } from "@/test/helpers/endpoints";
import { fundedPayer, usdcBalance, v2Payment } from "@/test/helpers/payments";
import {
  type ProxiedChainApp,
  packTerms,
  startAppBehindRpcProxy,
  waitForPurchase,
} from "@/test/helpers/proxied-chain";
import type { RpcFault } from "@/test/helpers/rpc-proxy";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";
// The RPC URL carries a provider API key, as hosted RPCs do: it must never reach a client.
const SECRET_PATH = "/v2/sk_live_RPCSECRET0123456789";

interface FaultCase {
  step: string;
  /** The method(s) the fault applies to. */
  method: string | string[];
  fault: RpcFault;
  times?: number;
  skip?: number;
}

/** Faults after which the transfer may have happened: the buyer is never refused. */
const AFTER_BROADCAST: FaultCase[] = [
  {
    step: "eth_sendRawTransaction forwarded, its answer lost",
    method: "eth_sendRawTransaction",
    fault: { kind: "drop-answer" },
  },
  {
    step: "eth_sendRawTransaction forwarded, its answer corrupted",
    method: "eth_sendRawTransaction",
    fault: { kind: "corrupt", result: "0xnot-a-hash" },
  },
  {
    step: "eth_sendRawTransaction never reaches the node (every retry refused)",
    method: "eth_sendRawTransaction",
    fault: { kind: "refuse" },
    times: 4,
  },
  {
    step: "eth_getTransactionReceipt erroring",
    method: "eth_getTransactionReceipt",
    fault: { kind: "error", message: "header not found" },
    times: 40,
  },
  {
    step: "eth_getTransactionReceipt answers lost",
    method: "eth_getTransactionReceipt",
    fault: { kind: "drop-answer" },
    times: 40,
  },
  {
    step: "eth_getTransactionReceipt slower than the facilitator timeout",
    method: "eth_getTransactionReceipt",
    fault: { kind: "delay", ms: 4_500 },
    times: 3,
  },
  {
    step: "eth_getTransactionReceipt corrupted (a reverted status)",
    method: "eth_getTransactionReceipt",
    fault: { kind: "corrupt", result: null },
    times: 400,
  },
];

/** Faults before anything was signed: nothing can have moved; the answer is 503, retryable. */
const BEFORE_BROADCAST: FaultCase[] = [
  {
    step: "eth_call (the verification's simulation) erroring",
    method: "eth_call",
    fault: { kind: "error" },
    times: 10,
  },
  {
    step: "preparing the transaction (fill, or estimate gas) answered with a 502",
    method: ["eth_fillTransaction", "eth_estimateGas"],
    fault: { kind: "http-error", status: 502, body: `bad gateway ${SECRET_PATH}` },
    times: 10,
  },
  {
    step: "eth_getCode (the payer's wallet kind) refused",
    method: "eth_getCode",
    fault: { kind: "refuse" },
    times: 10,
  },
  {
    step: "the chain unreachable (every call refused)",
    method: "*",
    fault: { kind: "refuse" },
    times: 10_000,
  },
];

describe("settlement with faults at the RPC (a proxy in front of anvil)", () => {
  let chain: ProxiedChainApp;
  let ep: Awaited<ReturnType<typeof createEndpoint>>;
  const ctx = () => chain.app.ctx;
  const credits = (wallet: string) =>
    getBalance(ctx().db, { endpointId: ep.id, wallet: wallet.toLowerCase() });
  const bodies: string[] = [];
  const buy = async (url: string, header: string) => {
    const res = await fetch(url, { method: "POST", headers: { "payment-signature": header } });
    const text = await res.text();
    bodies.push(text);
    return { status: res.status, headers: res.headers, body: JSON.parse(text) };
  };

  beforeAll(async () => {
    chain = await startAppBehindRpcProxy({
      target,
      rpcPath: SECRET_PATH,
      // Long enough for viem's retries with backoff (~2 s) to end before the request gives up.
      env: { FACILITATOR_TIMEOUT_MS: "4000", RECONCILE_INTERVAL_MS: "250" },
    });
    ep = await createEndpoint(ctx(), "http://127.0.0.1:9");
  });
  afterEach(() => chain?.proxy.clear());
  afterAll(async () => {
    if (chain) await expectChainAndLedgerAgree(ctx(), { rpcUrl: chain.anvil.rpcUrl });
    await chain?.close();
  });

  it.each(AFTER_BROADCAST)(
    "$step → 200 or 202 pending, then credited exactly once within a bounded time",
    async ({ method, fault, times, skip }) => {
      const { url, accepted } = await packTerms(chain.app, ep.slug);
      const payer = await fundedPayer(ctx());
      const header = await v2Payment(payer, accepted);
      for (const m of [method].flat()) chain.proxy.inject(m, fault, { times: times ?? 1, skip });
      const first = await buy(url, header);
      expect(chain.proxy.calls([method].flat()[0] ?? "")).toBeGreaterThan(0);
      expect([200, 202]).toContain(first.status);
      chain.proxy.clear();

      // The buyer retries the same authorization: never "nonce already used", never 0 credits.
      const again = await buy(url, header);
      expect([200, 202]).toContain(again.status);
      const paymentId = (again.body.paymentId ?? first.body.paymentId) as string;
      expect(await waitForPurchase(chain.app, paymentId, 15_000)).toBe("settled");
      expect(await credits(payer.address)).toBe(100n);
      expect(await purchaseEntries(ctx(), ep.id, payer.address)).toHaveLength(1);
      expect(await usdcBalance(ctx(), payer.address)).toBe(19_000_000n);
      const settled = await buy(url, header);
      expect(settled.status).toBe(200);
      expect(settled.body).toMatchObject({ credits: 100, purchased: { credits: 100 } });
    },
  );

  it.each(BEFORE_BROADCAST)(
    "$step → 503 facilitator_unavailable with Retry-After, nothing moved; a retry buys",
    async ({ method, fault, times }) => {
      const { url, accepted } = await packTerms(chain.app, ep.slug);
      const payer = await fundedPayer(ctx());
      const header = await v2Payment(payer, accepted);
      for (const m of [method].flat()) chain.proxy.inject(m, fault, { times: times ?? 1 });
      const first = await buy(url, header);
      expect(first.status).toBe(503);
      expect(first.body).toMatchObject({ error: { code: "facilitator_unavailable" } });
      expect(Number(first.headers.get("retry-after"))).toBeGreaterThan(0);
      chain.proxy.clear();
      expect(await usdcBalance(ctx(), payer.address)).toBe(20_000_000n);
      expect(await credits(payer.address)).toBe(0n);

      const again = await buy(url, header);
      expect(again.status).toBe(200);
      expect(await credits(payer.address)).toBe(100n);
    },
  );

  it("a payment left 'failed' although its authorization was used on chain is credited by the reconciler", async () => {
    const { url, accepted } = await packTerms(chain.app, ep.slug);
    const payer = await fundedPayer(ctx());
    const header = await v2Payment(payer, accepted);
    // The buyer's own wallet (or anyone) submits the authorization while our first try
    // fails before it reaches the node: the row says failed, the chain says paid.
    for (const method of ["eth_fillTransaction", "eth_estimateGas"])
      chain.proxy.inject(method, { kind: "error" }, { times: 10 });
    expect((await buy(url, header)).status).toBe(503);
    chain.proxy.clear();
    const { parsePayment } = await import("@/lib/purchase/payment-header");
    const presented = parsePayment({ version: 2, value: header });
    const settled = await ctx().chain.facilitator.settle(presented.payload, accepted);
    expect(settled.success).toBe(true);
    const deadline = Date.now() + 15_000;
    while ((await credits(payer.address)) === 0n && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(await credits(payer.address)).toBe(100n);
    expect((await buy(url, header)).status).toBe(200);
  });

  it("every settlement failure is logged with its cause (the client gets a fixed message)", async () => {
    const lines: string[] = [];
    let brokeAddress = "";
    const previous = log();
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString("utf8"));
        done();
      },
    });
    installLogger(createLogger({ level: "info", destination: sink }));
    try {
      const { url, accepted } = await packTerms(chain.app, ep.slug);
      const broke = await fundedPayer(ctx(), 0n);
      brokeAddress = broke.address.toLowerCase();
      const refused = await buy(url, await v2Payment(broke, accepted));
      expect(refused.status).toBe(402);
      const payer = await fundedPayer(ctx());
      chain.proxy.inject(
        "eth_call",
        { kind: "error", message: "node overloaded: 7731" },
        { times: 10 },
      );
      const outage = await buy(url, await v2Payment(payer, accepted));
      expect(outage.status).toBe(503);
    } finally {
      installLogger(previous);
    }
    const logged = lines.join("\n");
    expect(logged).toMatch(/insufficient/i);
    expect(logged.toLowerCase()).toContain(brokeAddress);
    expect(logged).toContain("node overloaded: 7731");
  });

  it("no answer ever carries the RPC's URL, its key, or a library's error text", () => {
    expect(bodies.length).toBeGreaterThan(0);
    for (const body of bodies) {
      expect(body).not.toContain("RPCSECRET");
      expect(body).not.toContain(chain.proxy.url);
      expect(body).not.toMatch(/Details:|Version: viem|URL:|Request body/);
    }
  });
});
