import type { AppContext } from "@/lib/app/context";
import { isTestNetwork } from "@/lib/config";
import { DEMO_BUYER, DEMO_SLUG } from "@/lib/demo/accounts";

/** What a newcomer needs on screen once the server is up. */
export function startBanner(ctx: AppContext, startedInMs: number): string {
  const { config, database } = ctx;
  const url = config.publicUrl;
  const lines = [
    "",
    `  x402-credits is running (ready in ${startedInMs} ms)`,
    "",
    `  URL       ${url}`,
    `  Database  ${database.label}`,
    `  Network   ${config.network}${isTestNetwork(config.network) ? " (test network)" : ""}`,
    `  Token     ${ctx.payments.asset.name} ${ctx.payments.asset.address}`,
    `  Settles   ${ctx.chain.facilitator.label}`,
    config.workers > 1
      ? `  Workers   ${config.workers} gateway processes on the port, one primary (pages, purchases)${
          config.database.kind === "postgres"
            ? `; up to ${(config.workers + 1) * config.database.poolMax} database connections`
            : ""
        }`
      : "  Workers   one process (WORKERS=auto uses every core on PostgreSQL)",
  ];
  if (config.chain.devnet) {
    lines.push(
      `  Devnet    anvil at ${ctx.chain.rpcUrl} (chain ${ctx.payments.chainId}), state under ${config.dataDir}/devnet`,
      "",
      "  Get test USDC from the faucet:",
      `    curl -X POST '${url}/api/dev/faucet' -d '{"address": "${DEMO_BUYER}", "amount": "10"}'`,
      "  Buy a pack and call the API with the official x402 client:",
      `    npx tsx examples/agent.ts ${url}`,
    );
  }
  if (config.seedDemo) {
    lines.push(
      "",
      "  Try the balance call of the seeded demo endpoint:",
      `    curl -H 'x-wallet-address: ${DEMO_BUYER}' '${url}/api/credits/balance?endpoint=${DEMO_SLUG}'`,
    );
  }
  return `${lines.join("\n")}\n`;
}
