/**
 * One purchase vs one credit-funded call, on the devnet and real PostgreSQL, same run.
 * A purchase is the whole agent flow: ask (402) → sign EIP-3009 → pay → verify → settle
 * on chain → credit. A call is one gateway request paid from credits.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { decodePaymentRequiredHeader } from "@x402/core/http";
import type { PaymentRequirements } from "@x402/core/types";
import { loadConfig } from "@/lib/config";
import { freeLoopbackPort } from "@/lib/net/free-port";
import { startApp } from "@/lib/server/start";
import { openTestDatabase } from "@/test/helpers/databases";
import { createEndpoint, fundedWallet } from "@/test/helpers/endpoints";
import { startOrigin } from "@/test/helpers/origin";
import { fundedPayer, v2Payment } from "@/test/helpers/payments";

const RUNS = Number(process.env.BENCH_PURCHASES ?? 40);

async function main() {
  const origin = await startOrigin();
  const database = await openTestDatabase("postgres");
  const port = await freeLoopbackPort();
  const config = loadConfig({
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    HOST: "127.0.0.1",
    ANVIL_PORT: "0",
    DATA_DIR: mkdtempSync(path.join(tmpdir(), "x402-bench-purchase-")),
    SEED_DEMO: "false",
    NODE_ENV: "test",
    // One payer buys RUNS packs in a few seconds: a latency figure, not abuse.
    RATE_LIMIT_PURCHASES: "0",
  });
  const app = await startApp(config, { database });
  try {
    const ep = await createEndpoint(app.ctx, origin.url);
    const url = `${app.url}/api/credits/purchase?endpoint=${ep.slug}&pack=starter`;
    const payer = await fundedPayer(app.ctx, 1_000_000_000n);
    const wallet = await fundedWallet(app.ctx, ep.id, 1_000_000n);
    const purchase = async () => {
      const challenge = await fetch(url, { method: "POST" });
      await challenge.arrayBuffer();
      const accepted = decodePaymentRequiredHeader(challenge.headers.get("payment-required") ?? "")
        .accepts[0] as PaymentRequirements;
      const res = await fetch(url, {
        method: "POST",
        headers: { "payment-signature": await v2Payment(payer, accepted) },
      });
      if (res.status !== 200)
        throw new Error(`purchase answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    };
    const call = async () => {
      const res = await fetch(`${app.url}/e/${ep.slug}/echo`, {
        headers: { "x-wallet-address": wallet },
      });
      if (res.status !== 200) throw new Error(`call answered ${res.status}`);
      await res.arrayBuffer();
    };
    const time = async (fn: () => Promise<void>) => {
      for (let i = 0; i < 5; i++) await fn(); // warm-up
      const samples: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now();
        await fn();
        samples.push(performance.now() - t);
      }
      samples.sort((a, b) => a - b);
      const at = (q: number) =>
        samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
      return { p50: at(0.5), p95: at(0.95) };
    };
    const bought = await time(purchase);
    const spent = await time(call);
    console.log(
      `\none purchase vs one credit-funded call (devnet, PostgreSQL, ${RUNS} each, sequential)`,
    );
    console.log("| flow                         | p50 ms | p95 ms |");
    console.log("|------------------------------|--------|--------|");
    console.log(
      `| purchase (402→sign→settle)   | ${bought.p50.toFixed(2).padStart(6)} | ${bought.p95.toFixed(2).padStart(6)} |`,
    );
    console.log(
      `| credit-funded gateway call   | ${spent.p50.toFixed(2).padStart(6)} | ${spent.p95.toFixed(2).padStart(6)} |`,
    );
    console.log(
      `a purchase costs ${(bought.p50 / spent.p50).toFixed(1)}x a credit-funded call (p50)`,
    );
  } finally {
    await app.close();
    await origin.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
