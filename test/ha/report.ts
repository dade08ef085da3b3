import type { LedgerReport } from "@/lib/ledger";
import type { GatewayAccounting, PurchaseAccounting } from "./accounting";
import type { NodeState } from "./formation";
import type { CallRecord } from "./load";

/** A call this slow while the database is away is a hang, not a fast refusal. */
const HANG_MS = 5_000;

export interface OutageFigures {
  /** Kill → no node accepts writes → a standby accepts writes (ms after the kill). */
  writerBackAfterMs?: number;
  /** Kill → first gateway 2xx for a call that started after the kill. */
  serviceBackAfterMs?: number;
  /** Longest span between two gateway 2xx answers, around the kill. */
  longestGapMs: number;
  /** Calls started between the kill and the first 2xx after it, by answer. */
  gatewayDuringOutage: Map<string, { count: number; p50: number; max: number }>;
  purchasesDuringOutage: Map<string, { count: number; p50: number; max: number }>;
  /** 2xx answers to calls made entirely while no node accepted writes (must be 0). */
  servedWithoutWriter: number;
  /** Gateway calls started while no node accepted writes that took longer than HANG_MS. */
  gatewayHangs: number;
  /** The slowest gateway calls after the kill: start (ms after the kill), duration, answer. */
  slowest: string[];
}

export function outageFigures(opts: {
  killedAt: number;
  outage?: { start: number; end?: number };
  recoveredAt?: number;
  gateway: CallRecord[];
  purchases: CallRecord[];
}): OutageFigures {
  const { killedAt, outage, recoveredAt } = opts;
  const windowEnd = recoveredAt ?? Number.POSITIVE_INFINITY;
  const during = (r: CallRecord) => r.started >= killedAt && r.started <= windowEnd;
  const okEnds = opts.gateway
    .filter((r) => r.status === 200)
    .map((r) => r.ended)
    .sort((a, b) => a - b);
  let longestGapMs = 0;
  for (let i = 1; i < okEnds.length; i++) {
    const gap = (okEnds[i] as number) - (okEnds[i - 1] as number);
    if ((okEnds[i] as number) >= killedAt) longestGapMs = Math.max(longestGapMs, gap);
  }
  const noWriter = (r: CallRecord) =>
    outage !== undefined && r.started >= outage.start && r.started < (outage.end ?? Infinity);
  return {
    writerBackAfterMs: outage?.end !== undefined ? outage.end - killedAt : undefined,
    serviceBackAfterMs: recoveredAt !== undefined ? recoveredAt - killedAt : undefined,
    longestGapMs,
    gatewayDuringOutage: byAnswer(opts.gateway.filter(during)),
    purchasesDuringOutage: byAnswer(opts.purchases.filter(during)),
    servedWithoutWriter: opts.gateway.filter(
      (r) => noWriter(r) && r.status === 200 && outage?.end !== undefined && r.ended < outage.end,
    ).length,
    gatewayHangs: opts.gateway.filter((r) => noWriter(r) && r.ended - r.started > HANG_MS).length,
    slowest: opts.gateway
      .filter((r) => r.started >= killedAt)
      .sort((a, b) => b.ended - b.started - (a.ended - a.started))
      .slice(0, 5)
      .map(
        (r) =>
          `+${((r.started - killedAt) / 1000).toFixed(1)} s: ${r.ended - r.started} ms → ${r.status}${r.code ? ` ${r.code}` : ""}`,
      ),
  };
}

function byAnswer(records: CallRecord[]) {
  const groups = new Map<string, number[]>();
  for (const r of records) {
    const key = r.code ? `${r.status} ${r.code}` : String(r.status);
    groups.set(key, [...(groups.get(key) ?? []), r.ended - r.started]);
  }
  return new Map(
    [...groups].map(([key, ms]) => {
      const sorted = ms.sort((a, b) => a - b);
      return [
        key,
        {
          count: sorted.length,
          p50: sorted[Math.floor(sorted.length / 2)] ?? 0,
          max: sorted.at(-1) ?? 0,
        },
      ];
    }),
  );
}

const seconds = (ms?: number) => (ms === undefined ? "never" : `${(ms / 1000).toFixed(1)} s`);
const verdict = (good: boolean) => (good ? "HELD  " : "FAILED");

export function failoverReport(r: {
  victim: string;
  promoted?: string;
  timeline: string[];
  figures: OutageFigures;
  gatewayBooks: GatewayAccounting;
  purchaseBooks: PurchaseAccounting;
  ledger: LedgerReport;
  states: NodeState[];
  appRestarted: boolean;
  workerExits: string[];
}): string {
  const { figures: f, gatewayBooks: g, purchaseBooks: p } = r;
  const table = (m: OutageFigures["gatewayDuringOutage"]) =>
    [...m]
      .sort((a, b) => b[1].count - a[1].count)
      .map(
        ([k, v]) =>
          `    ${k.padEnd(34)} ${String(v.count).padStart(6)}   p50 ${v.p50} ms   max ${v.max} ms`,
      )
      .join("\n") || "    (none)";
  const ids = (xs: CallRecord[]) =>
    xs.length === 0
      ? ""
      : `  e.g. ${xs
          .slice(0, 5)
          .map((x) => `${x.id}=${x.status}${x.code ? ` ${x.code}` : ""}`)
          .join(", ")}`;
  const lines = [
    "",
    "══════════════ PostgreSQL failover under load: report ══════════════",
    `Killed: the postmaster of ${r.victim} (primary), SIGKILL. Promoted: ${r.promoted ?? "none"}.`,
    `Writable node after the kill ......... ${r.timeline.join(" → ")}`,
    `The new primary accepted writes after  ${seconds(f.writerBackAfterMs)}`,
    `Gateway served again after ........... ${seconds(f.serviceBackAfterMs)}  (seconds without service)`,
    `Longest gap between gateway 2xx ...... ${seconds(f.longestGapMs)}`,
    `App restarted: ${r.appRestarted ? "YES" : "no"}; worker exits: ${r.workerExits.length === 0 ? "none" : r.workerExits.join("; ")}`,
    "",
    "Gateway calls started between the kill and service back, by answer:",
    table(f.gatewayDuringOutage),
    `Slowest gateway calls after the kill (start: duration → answer): ${f.slowest.join("; ")}`,
    "Purchases started in the same span, by answer:",
    table(f.purchasesDuringOutage),
    "",
    `Gateway: ${g.calls} calls, ${g.served} served, ${g.refused} refused, ${g.answerLost.length} answers lost by the client; origin hits ${g.originHits}, consume entries ${g.consumeEntries}`,
    `Purchases: ${p.attempts} attempts, ${p.onChain} paid on chain, ${p.stillPending} still pending; ${p.erroredButPaid.length} answered 5xx or not at all although paid on chain (credited by the reconciler, but the buyer was told it failed)`,
    "",
    "Invariants:",
    `  ${verdict(f.servedWithoutWriter === 0)} fail closed: no 2xx while no primary accepted writes (${f.servedWithoutWriter})`,
    `  ${verdict(f.gatewayHangs === 0)} fail fast: gateway calls during the outage answered within 5 s (${f.gatewayHangs} waited longer)`,
    `  ${verdict(g.chargedNotServed.length === 0)} no call charged that the origin never saw (${g.chargedNotServed.length})${ids(g.chargedNotServed)}`,
    `  ${verdict(g.servedNotCharged.length === 0)} no call served without a debit (${g.servedNotCharged.length})${ids(g.servedNotCharged)}`,
    `  ${verdict(g.doubleCharged.length === 0)} no call debited twice (${g.doubleCharged.length})${ids(g.doubleCharged)}`,
    `  ${verdict(g.wrongAnswer.length === 0)} every answer tells the truth (2xx ⇔ served; 503 ⇒ nothing charged) (${g.wrongAnswer.length})${ids(g.wrongAnswer)}`,
    `  ${verdict(f.serviceBackAfterMs !== undefined && !r.appRestarted)} serves again after promotion, without a restart`,
    `  ${verdict(p.answeredNotPaid.length === 0 && p.answeredNotCredited.length === 0)} every purchase answered 200/202 is paid on chain and credited once (${p.answeredNotPaid.length} unpaid, ${p.answeredNotCredited.length} not credited once)`,
    `  ${verdict(p.refusedButPaid.length === 0)} no purchase refused (402) was paid on chain (${p.refusedButPaid.length})`,
    `  ${verdict(p.buyerMismatches.length === 0 && p.paymentsMiscredited.length === 0)} every transfer on chain credited exactly once (${p.paymentsMiscredited.length} payments, ${p.buyerMismatches.length} buyers off)`,
    `  ${verdict(p.stillPending === 0)} nothing left pending after reconciliation (${p.stillPending})`,
    `  ${verdict(r.ledger.ok)} checkLedger on the new primary (${r.ledger.accounts} accounts, ${r.ledger.entries} entries, ${r.ledger.mismatches.length} mismatches, ${r.ledger.brokenChain} broken chain)`,
    "",
    `Formation now: ${r.states.map((s) => `${s.name} ${s.reported}`).join(", ") || "(monitor unreachable)"}`,
    "════════════════════════════════════════════════════════════════════",
  ];
  return lines.join("\n");
}
