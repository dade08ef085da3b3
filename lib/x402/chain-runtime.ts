import path from "node:path";
import type { Address, Hash, HDAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type AnvilProcess, startAnvil } from "@/lib/chain/anvil";
import { devnetPublicClient, ensureDevnet, mintTestUsdc } from "@/lib/chain/devnet";
import type { Config } from "@/lib/config";
import { ConfigError } from "@/lib/config";
import { freeLoopbackPort } from "@/lib/net/free-port";
import { type Facilitator, localFacilitator, remoteFacilitator } from "./facilitator";
import { networkInfo } from "./networks";
import { resolvePaymentSettings } from "./payment-settings";
import type { PaymentSettings } from "./settings";

/** The chain side of the process: where packs are paid, who settles, how to read the chain. */
export interface ChainRuntime {
  payments: PaymentSettings;
  rpcUrl: string;
  facilitator: Facilitator;
  /** Devnet only: mint test USDC (the faucet). */
  mint?: (to: Address, amount: bigint) => Promise<Hash>;
  publicClient: ReturnType<typeof devnetPublicClient>;
  stop(): Promise<void>;
}

/**
 * Connects to the configured chain, or on the devnet starts anvil from the npm package
 * (state kept under DATA_DIR/devnet, so balances survive restarts) and deploys our token.
 */
export async function startChainRuntime(config: Config): Promise<ChainRuntime> {
  const { chainId } = networkInfo(config.network);
  const chain = config.chain;
  let anvil: AnvilProcess | undefined;
  let rpcUrl = chain.rpcUrl;
  let devnetToken: Address | undefined;
  let mint: ChainRuntime["mint"];
  let devnetFacilitator: HDAccount | undefined;

  if (chain.devnet) {
    const stateDir = path.join(config.dataDir, "devnet");
    if (!rpcUrl) {
      anvil = await startAnvil({
        port: chain.anvilPort || (await freeLoopbackPort()),
        chainId,
        stateFile: path.join(stateDir, `anvil-${chainId}.json`),
      });
      rpcUrl = anvil.rpcUrl;
    }
    const devnet = await ensureDevnet({ rpcUrl, chainId, stateDir });
    devnetToken = devnet.tokenAddress;
    devnetFacilitator = devnet.facilitatorAccount;
    const target = { rpcUrl, chainId, token: devnet.tokenAddress };
    mint = (to, amount) => mintTestUsdc({ ...target, to, amount });
  }
  if (!rpcUrl) throw new ConfigError("RPC_URL: required off the devnet");

  const payments = resolvePaymentSettings(config, devnetToken);
  const facilitator =
    chain.facilitator.kind === "remote"
      ? remoteFacilitator(chain.facilitator.url, chain.facilitatorTimeoutMs)
      : localFacilitator(
          { rpcUrl, chainId, network: config.network },
          chain.facilitator.privateKey
            ? privateKeyToAccount(chain.facilitator.privateKey)
            : (devnetFacilitator ?? missingKey()),
        );
  return {
    payments,
    rpcUrl,
    facilitator,
    mint,
    publicClient: devnetPublicClient({ rpcUrl, chainId }),
    stop: async () => {
      await anvil?.stop();
    },
  };
}

function missingKey(): never {
  throw new ConfigError("FACILITATOR_PRIVATE_KEY: required with FACILITATOR=local off the devnet");
}
