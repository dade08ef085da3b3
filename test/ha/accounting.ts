import { sql } from "drizzle-orm";
import { type Address, createPublicClient, http } from "viem";
import { type Db, rowsOf } from "@/db";
import { testUsdcAbi } from "@/lib/chain/abi";
import type { CallRecord, PurchaseRecord } from "./load";

/** Calls matched across the three witnesses: the client, the origin, the ledger. */
export interface GatewayAccounting {
  calls: number;
  served: number;
  refused: number;
  /** Charged, and the origin never saw the call: the caller paid for nothing. */
  chargedNotServed: CallRecord[];
  /** The origin served it and nothing was charged. */
  servedNotCharged: CallRecord[];
  /** More than one net consume entry for one call. */
  doubleCharged: CallRecord[];
  /** A 2xx the origin never saw, or a refusal (503, 402…) that was charged or forwarded. */
  wrongAnswer: CallRecord[];
  /** The client gave up or lost the connection; the call was served and charged. */
  answerLost: CallRecord[];
  originHits: number;
  consumeEntries: number;
}

const callId = (reference: string) => /\/c\/([\w-]+)/.exec(reference)?.[1];
const ok = (r: CallRecord) => typeof r.status === "number" && r.status >= 200 && r.status < 300;

export async function gatewayAccounting(
  db: Db,
  endpointId: number,
  records: CallRecord[],
  originUrls: string[],
): Promise<GatewayAccounting> {
  const entries = rowsOf<{ id: string; kind: string; reference: string | null }>(
    await db.execute(sql`
      select id::text, kind::text, reference from ledger_entries
      where endpoint_id = ${endpointId} and kind in ('consume', 'refund')`),
  );
  const consumeRef = new Map(entries.filter((e) => e.kind === "consume").map((e) => [e.id, e]));
  const charged = new Map<string, number>();
  for (const e of entries) {
    const consume =
      e.kind === "consume" ? e : consumeRef.get(/^entry:(\d+)/.exec(e.reference ?? "")?.[1] ?? "");
    const id = callId(consume?.reference ?? "");
    if (id) charged.set(id, (charged.get(id) ?? 0) + (e.kind === "consume" ? 1 : -1));
  }
  const hits = new Map<string, number>();
  for (const url of originUrls) {
    const id = callId(url);
    if (id) hits.set(id, (hits.get(id) ?? 0) + 1);
  }
  const result: GatewayAccounting = {
    calls: records.length,
    served: records.filter(ok).length,
    refused: 0,
    chargedNotServed: [],
    servedNotCharged: [],
    doubleCharged: [],
    wrongAnswer: [],
    answerLost: [],
    originHits: originUrls.length,
    consumeEntries: entries.filter((e) => e.kind === "consume").length,
  };
  for (const r of records) {
    const c = charged.get(r.id) ?? 0;
    const h = hits.get(r.id) ?? 0;
    if (c > 1) result.doubleCharged.push(r);
    if (c > 0 && h === 0) result.chargedNotServed.push(r);
    if (h > 0 && c === 0) result.servedNotCharged.push(r);
    if (typeof r.status !== "number") {
      if (c > 0 && h > 0) result.answerLost.push(r);
    } else if (ok(r) ? h === 0 : h > 0 || c > 0) {
      result.wrongAnswer.push(r);
    } else if (!ok(r)) {
      result.refused++;
    }
  }
  return result;
}

/** Purchases matched across the client's answers, the chain and the ledger. */
export interface PurchaseAccounting {
  attempts: number;
  /** Authorizations the token consumed (a transfer to the payee happened). */
  onChain: number;
  /** Answered 200 or 202, and not credited exactly once although paid on chain. */
  answeredNotCredited: PurchaseRecord[];
  /** Answered 200 or 202, and the chain has no transfer for it. */
  answeredNotPaid: PurchaseRecord[];
  /** Refused (402), and the chain has its transfer anyway. */
  refusedButPaid: PurchaseRecord[];
  /** Answered with an error (5xx) or no answer, and the chain has its transfer. */
  erroredButPaid: PurchaseRecord[];
  /** Per buyer: credits from purchases ≠ transfers on chain × the pack's credits. */
  buyerMismatches: { payer: string; credited: bigint; paidFor: bigint }[];
  /** Per authorization (payments table): paid on chain and credited 0 or ≥ 2 times. */
  paymentsMiscredited: { payer: string; nonce: string; status: string; credits: number }[];
  stillPending: number;
}

export async function purchaseAccounting(opts: {
  db: Db;
  endpointId: number;
  records: PurchaseRecord[];
  rpcUrl: string;
  asset: Address;
  payTo: Address;
  packCredits: bigint;
}): Promise<PurchaseAccounting> {
  const { db, endpointId, records } = opts;
  const client = createPublicClient({ transport: http(opts.rpcUrl) });
  const buyers = [...new Set(records.map((r) => r.payer))] as Address[];
  const used = new Set<string>();
  const paidBy = new Map<string, bigint>();
  for (const buyer of buyers) {
    const authorizations = await client.getContractEvents({
      address: opts.asset,
      abi: testUsdcAbi,
      eventName: "AuthorizationUsed",
      args: { authorizer: buyer },
      fromBlock: 0n,
    });
    for (const log of authorizations) used.add(`${buyer}:${log.args.nonce?.toLowerCase()}`);
    const transfers = await client.getContractEvents({
      address: opts.asset,
      abi: testUsdcAbi,
      eventName: "Transfer",
      args: { from: buyer, to: opts.payTo },
      fromBlock: 0n,
    });
    paidBy.set(buyer, BigInt(transfers.length));
  }
  const credited = new Map(
    rowsOf<{ wallet: string; credits: string }>(
      await db.execute(sql`
        select wallet, sum(delta)::text as credits from ledger_entries
        where endpoint_id = ${endpointId} and kind = 'purchase' group by wallet`),
    ).map((r) => [r.wallet, BigInt(r.credits)]),
  );
  const perPayment = rowsOf<{ payer: string; nonce: string; status: string; credits: number }>(
    await db.execute(sql`
      select p.payer, p.nonce, p.status::text,
             (select count(*)::int from ledger_entries l
               where l.endpoint_id = p.endpoint_id and l.kind = 'purchase'
                 and l.idempotency_key = 'payment:' || p.id::text) as credits
      from payments p where p.endpoint_id = ${endpointId}`),
  );
  const creditsOf = new Map(perPayment.map((p) => [`${p.payer}:${p.nonce}`, p]));
  const answered = records.filter((r) => r.status === 200 || r.status === 202);
  const key = (r: PurchaseRecord) => `${r.payer}:${r.nonce}`;
  return {
    attempts: records.length,
    onChain: used.size,
    answeredNotPaid: answered.filter((r) => !used.has(key(r))),
    refusedButPaid: records.filter((r) => r.status === 402 && used.has(key(r))),
    erroredButPaid: records.filter(
      (r) => (typeof r.status !== "number" || r.status >= 500) && used.has(key(r)),
    ),
    answeredNotCredited: answered.filter(
      (r) => used.has(key(r)) && creditsOf.get(key(r))?.credits !== 1,
    ),
    buyerMismatches: buyers
      .map((payer) => ({
        payer,
        credited: credited.get(payer) ?? 0n,
        paidFor: (paidBy.get(payer) ?? 0n) * opts.packCredits,
      }))
      .filter((b) => b.credited !== b.paidFor),
    paymentsMiscredited: perPayment.filter((p) =>
      used.has(`${p.payer}:${p.nonce}`) ? p.credits !== 1 : p.credits !== 0,
    ),
    stillPending: perPayment.filter((p) => p.status === "pending").length,
  };
}
