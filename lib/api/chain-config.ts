import type { AppContext } from "@/lib/app/context";
import { allowMethods } from "@/lib/http/handler";

/** GET /api/config — the chain and token packs are paid on, for wallets and agents. */
export const handleConfig = allowMethods(["GET", "HEAD"], async (_request, ctx: AppContext) => {
  const { payments, config } = ctx;
  const facilitator = config.chain.facilitator;
  return Response.json({
    network: payments.network,
    chainId: payments.chainId,
    asset: payments.asset,
    facilitator: facilitator.kind === "local" ? "local" : facilitator.url,
    devnet: config.chain.devnet,
    ...(config.chain.devnet && { rpcUrl: ctx.chain.rpcUrl }),
  });
});
