import type { AppContext } from "@/lib/app/context";
import type { ChainInfo } from "./chain-info";

/** The chain facts the pages hand to the browser, straight from the app context. */
export function chainInfo(ctx: AppContext): ChainInfo {
  return {
    network: ctx.payments.network,
    chainId: ctx.payments.chainId,
    asset: ctx.payments.asset as ChainInfo["asset"],
    devnet: ctx.config.chain.devnet,
    ...(ctx.config.chain.devnet && { rpcUrl: ctx.chain.rpcUrl }),
    publicUrl: ctx.config.publicUrl,
    ...(ctx.payments.info.explorer && { explorer: ctx.payments.info.explorer }),
    ...(ctx.config.walletConnectProjectId && {
      walletConnectProjectId: ctx.config.walletConnectProjectId,
    }),
  };
}
