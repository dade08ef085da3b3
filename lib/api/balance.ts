import { z } from "zod";
import type { AppContext } from "@/lib/app/context";
import { requireEndpoint } from "@/lib/endpoints/find";
import { slugSchema } from "@/lib/endpoints/slug";
import { allowMethods } from "@/lib/http/handler";
import { parseQuery } from "@/lib/http/query";
import { getBalance, listBalances } from "@/lib/ledger";
import { checksumWallet, parseWallet } from "@/lib/wallet";

/** The balance query: one endpoint's account, or (without it) every balance of the wallet. */
export const balanceQuery = z.object({
  endpoint: slugSchema
    .optional()
    .meta({ description: "The endpoint's slug; omit it for every balance the wallet holds." }),
});

/**
 * GET /api/credits/balance — the seed protocol's balance call. With `endpoint`, that
 * account's credits (0 if never bought); without, every balance the wallet holds.
 */
export const handleBalance = allowMethods(["GET", "HEAD"], balance);

async function balance(request: Request, ctx: AppContext): Promise<Response> {
  const wallet = parseWallet(request.headers.get("x-wallet-address"));
  const { endpoint: slug } = parseQuery(new URL(request.url), balanceQuery, "invalid_endpoint");
  if (slug === undefined) {
    const rows = await listBalances(ctx.db, wallet);
    return Response.json({
      wallet: checksumWallet(wallet),
      balances: rows.map((r) => ({ endpoint: r.endpoint, credits: Number(r.credits) })),
    });
  }
  const endpoint = await requireEndpoint(ctx.db, slug);
  const credits = await getBalance(ctx.db, { endpointId: endpoint.id, wallet });
  return Response.json({ credits: Number(credits), endpoint: endpoint.slug });
}
