import { z } from "zod";
import type { AppContext } from "@/lib/app/context";
import { clientKey } from "@/lib/http/client-ip";
import { ApiError } from "@/lib/http/errors";
import { allowMethods } from "@/lib/http/handler";
import { parseJsonBody } from "@/lib/http/json-body";
import { parseUsdc } from "@/lib/money";
import { checksumWallet, parseWallet } from "@/lib/wallet";

const MAX_ATOMIC = 1_000_000_000n; // 1,000 USDC a call
export const faucetBody = z
  .object({ address: z.string(), amount: z.union([z.string(), z.number()]).optional() })
  .strict();

/** POST /api/dev/faucet {"address", "amount"?} — mints devnet USDC (404 off the devnet). */
export const handleFaucet = allowMethods(["POST"], async (request, ctx: AppContext) => {
  const mint = ctx.chain.mint;
  if (!mint) throw new ApiError("not_found", "The faucet exists only on the devnet.");
  const body = await parseJsonBody(request, faucetBody);
  const address = checksumWallet(parseWallet(body.address, "address"));
  const amount = body.amount === undefined ? 10_000_000n : parseUsdc(String(body.amount));
  if (amount === null || amount <= 0n || amount > MAX_ATOMIC) {
    throw new ApiError(
      "invalid_field",
      'Field "amount" must be a USDC amount from 0.000001 to 1000, e.g. "10".',
    );
  }
  await ctx.limits.take("faucet", clientKey(request));
  const transaction = await mint(address, amount);
  return Response.json({
    address,
    amount: amount.toString(),
    asset: ctx.payments.asset.address,
    network: ctx.payments.network,
    transaction,
  });
});
