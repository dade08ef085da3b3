import { type Address, type Hash, parseEventLogs } from "viem";
import type { Payment } from "@/db/schema";
import type { AppContext } from "@/lib/app/context";
import { testUsdcAbi } from "@/lib/chain/abi";

/** How far back to look for the transfer of an authorization already used (~1 day on Base). */
const LOG_LOOKBACK_BLOCKS = 50_000n;

/** What the chain's own record says about a payment's authorization. */
export type ChainVerdict =
  | { kind: "paid"; transaction: Hash }
  | { kind: "used_elsewhere" }
  | { kind: "unused" };

/**
 * Reads the token's record for a payment: its authorization unused, or used by a
 * transaction that moved exactly the price to our payee (found through the transfer log),
 * or used for something else. Throws when the chain cannot be read.
 */
export async function chainVerdict(ctx: AppContext, payment: Payment): Promise<ChainVerdict> {
  const used = await ctx.chain.publicClient.readContract({
    address: ctx.payments.asset.address,
    abi: testUsdcAbi,
    functionName: "authorizationState",
    args: [payment.payer as Address, payment.nonce as Hash],
  });
  if (!used) return { kind: "unused" };
  const transaction = await findTransfer(ctx, payment);
  return transaction ? { kind: "paid", transaction } : { kind: "used_elsewhere" };
}

/** The transaction that used this authorization and moved exactly the price to our payee. */
async function findTransfer(ctx: AppContext, payment: Payment): Promise<Hash | undefined> {
  const client = ctx.chain.publicClient;
  const latest = await client.getBlockNumber();
  const logs = await client.getContractEvents({
    address: ctx.payments.asset.address,
    abi: testUsdcAbi,
    eventName: "AuthorizationUsed",
    args: { authorizer: payment.payer as Address, nonce: payment.nonce as Hash },
    fromBlock: latest > LOG_LOOKBACK_BLOCKS ? latest - LOG_LOOKBACK_BLOCKS : 0n,
    toBlock: latest,
  });
  for (const log of logs) {
    const receipt = await client.getTransactionReceipt({ hash: log.transactionHash });
    const transfers = parseEventLogs({
      abi: testUsdcAbi,
      eventName: "Transfer",
      logs: receipt.logs,
    });
    const paid = transfers.some(
      (t) =>
        t.address.toLowerCase() === ctx.payments.asset.address.toLowerCase() &&
        t.args.from.toLowerCase() === payment.payer &&
        t.args.to.toLowerCase() === payment.payTo.toLowerCase() &&
        t.args.value === payment.amount,
    );
    if (paid) return log.transactionHash;
  }
  return undefined;
}

/** Whether a transaction is still known to the node and not yet mined (don't send twice). */
export async function inFlight(ctx: AppContext, transaction: Hash): Promise<boolean> {
  const client = ctx.chain.publicClient;
  const tx = await client.getTransaction({ hash: transaction }).catch(() => undefined);
  return tx !== undefined && tx.blockNumber === null;
}
