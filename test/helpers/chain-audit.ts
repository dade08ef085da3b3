import { and, eq } from "drizzle-orm";
import { type Address, createPublicClient, type Hash, http, parseEventLogs } from "viem";
import { expect } from "vitest";
import { endpoints, ledgerEntries, payments } from "@/db/schema";
import type { AppContext } from "@/lib/app/context";
import { testUsdcAbi } from "@/lib/chain/abi";
import { checkLedger } from "@/lib/ledger";

/** One EIP-3009 authorization the token consumed, with the transfer it made. */
interface ChainTransfer {
  payer: string;
  nonce: string;
  to: string;
  value: bigint;
  transaction: Hash;
}

export interface AuditReport {
  ok: boolean;
  problems: string[];
  transfers: number;
  settled: number;
}

/**
 * Every transfer the token made with an EIP-3009 authorization, read from the chain's own
 * log (AuthorizationUsed, and the Transfer in the same transaction).
 */
async function chainTransfers(ctx: AppContext, rpcUrl?: string): Promise<ChainTransfer[]> {
  const client = rpcUrl ? createPublicClient({ transport: http(rpcUrl) }) : ctx.chain.publicClient;
  const token = ctx.payments.asset.address;
  const used = await client.getContractEvents({
    address: token,
    abi: testUsdcAbi,
    eventName: "AuthorizationUsed",
    fromBlock: 0n,
    toBlock: "latest",
  });
  const transfers: ChainTransfer[] = [];
  for (const log of used) {
    const receipt = await client.getTransactionReceipt({ hash: log.transactionHash });
    const moved = parseEventLogs({ abi: testUsdcAbi, eventName: "Transfer", logs: receipt.logs })
      .filter((t) => t.address.toLowerCase() === token.toLowerCase())
      .find((t) => t.args.from.toLowerCase() === log.args.authorizer?.toLowerCase());
    if (!moved) continue;
    transfers.push({
      payer: moved.args.from.toLowerCase(),
      nonce: (log.args.nonce ?? "").toLowerCase(),
      to: moved.args.to.toLowerCase(),
      value: moved.args.value,
      transaction: log.transactionHash,
    });
  }
  return transfers;
}

/**
 * Compares the chain with the books: `balance = Σ entries ≥ 0`; every authorization
 * transfer to one of our endpoints' payees is exactly one settled payment, credited by
 * exactly one purchase entry of the pack's credits; nothing is settled or credited
 * without its transfer on chain.
 */
export async function auditChainAndLedger(
  ctx: AppContext,
  opts: { rpcUrl?: string } = {},
): Promise<AuditReport> {
  const problems: string[] = [];
  const ledger = await checkLedger(ctx.db);
  if (!ledger.ok) problems.push(`ledger invariant broken: ${JSON.stringify(ledger, big)}`);

  const transfers = await chainTransfers(ctx, opts.rpcUrl);
  const payees = new Set(
    (await ctx.db.select({ payTo: endpoints.payTo }).from(endpoints)).map((e) =>
      e.payTo.toLowerCase(),
    ),
  );
  const rows = await ctx.db.select().from(payments);
  const purchases = await ctx.db
    .select()
    .from(ledgerEntries)
    .where(eq(ledgerEntries.kind, "purchase"));
  const byAuthorization = new Map(rows.map((p) => [`${p.payer}:${p.nonce}`, p]));
  const onChain = new Map(transfers.map((t) => [`${t.payer}:${t.nonce}`, t]));

  for (const t of transfers) {
    if (!payees.has(t.to)) continue;
    const row = byAuthorization.get(`${t.payer}:${t.nonce}`);
    if (!row) {
      problems.push(`transfer ${t.transaction} (${t.payer}) has no payment row`);
      continue;
    }
    if (row.status !== "settled") {
      problems.push(`payment ${row.id}: USDC moved in ${t.transaction} but status ${row.status}`);
    }
    if (row.payTo.toLowerCase() !== t.to || row.amount !== t.value) {
      problems.push(`payment ${row.id}: terms differ from transfer ${t.transaction}`);
    }
  }
  for (const row of rows) {
    const key = `payment:${row.id}`;
    const entries = purchases.filter(
      (e) => e.idempotencyKey === key && e.endpointId === row.endpointId,
    );
    if (row.status === "settled") {
      const t = onChain.get(`${row.payer}:${row.nonce}`);
      if (!t) problems.push(`payment ${row.id} settled without a transfer on chain`);
      else if (row.transaction?.toLowerCase() !== t.transaction.toLowerCase())
        problems.push(`payment ${row.id} names ${row.transaction}, chain says ${t.transaction}`);
      if (entries.length !== 1 || entries[0]?.delta !== row.credits)
        problems.push(`payment ${row.id} credited ${entries.length} times (want once)`);
    } else if (entries.length > 0) {
      problems.push(`payment ${row.id} is ${row.status} but was credited`);
    }
  }
  const known = new Set(rows.map((r) => `payment:${r.id}`));
  for (const e of purchases) {
    if (!e.idempotencyKey || !known.has(e.idempotencyKey))
      problems.push(`purchase entry ${e.id} has no payment behind it`);
  }
  const settled = rows.filter((r) => r.status === "settled").length;
  return { ok: problems.length === 0, problems, transfers: transfers.length, settled };
}

/**
 * Waits (the reconciler's bounded time) until the chain and the books agree, then asserts
 * it. Call it at the end of every money test file.
 */
export async function expectChainAndLedgerAgree(
  ctx: AppContext,
  opts: { rpcUrl?: string; withinMs?: number } = {},
): Promise<AuditReport> {
  const deadline = Date.now() + (opts.withinMs ?? 15_000);
  let report = await auditChainAndLedger(ctx, opts);
  while (!report.ok && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    report = await auditChainAndLedger(ctx, opts);
  }
  expect(report.problems).toEqual([]);
  return report;
}

/** The authorization transfers a wallet made, as the token's own log records them. */
export async function transfersFrom(
  ctx: AppContext,
  payer: Address,
  opts: { rpcUrl?: string } = {},
): Promise<ChainTransfer[]> {
  const from = payer.toLowerCase();
  return (await chainTransfers(ctx, opts.rpcUrl)).filter((t) => t.payer === from);
}

/** A wallet's purchase entries on one endpoint (for "credited exactly once" checks). */
export async function purchaseEntries(ctx: AppContext, endpointId: number, wallet: Address) {
  return ctx.db
    .select()
    .from(ledgerEntries)
    .where(
      and(
        eq(ledgerEntries.endpointId, endpointId),
        eq(ledgerEntries.wallet, wallet.toLowerCase()),
        eq(ledgerEntries.kind, "purchase"),
      ),
    );
}

function big(_key: string, value: unknown) {
  return typeof value === "bigint" ? value.toString() : value;
}
