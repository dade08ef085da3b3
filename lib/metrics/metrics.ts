import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * Every metric the app exports, in one registry per process. Label values are bounded sets
 * (route templates, outcome words, error codes), never paths, slugs or wallets: a label
 * value is a time series for as long as the process lives.
 */
function createMetrics() {
  const registry = new Registry();
  const registers = [registry];
  const metrics = {
    registry,
    httpRequests: new Histogram({
      name: "x402_http_request_duration_seconds",
      help: "HTTP requests by route template, method and status (_count is the request count), answered at the edge process",
      labelNames: ["route", "method", "status"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    gatewayCalls: new Counter({
      name: "x402_gateway_calls_total",
      help: "Gateway calls by outcome: served (the origin answered), payment_required (402), replayed (an idempotent retry answered from storage), origin_failed",
      labelNames: ["outcome"] as const,
      registers,
    }),
    gatewayRefunds: new Counter({
      name: "x402_gateway_refunds_total",
      help: "Gateway charges given back, by reason (the error code answered, origin_5xx, or cut_short)",
      labelNames: ["reason"] as const,
      registers,
    }),
    debits: new Counter({
      name: "x402_debits_total",
      help: "Debits sent to the ledger, by result: applied, replayed, insufficient, key_reused, error (the statement failed)",
      labelNames: ["result"] as const,
      registers,
    }),
    debitBatchSize: new Histogram({
      name: "x402_debit_batch_size",
      help: "Debits per group-committed statement",
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers,
    }),
    purchases: new Counter({
      name: "x402_purchases_total",
      help: "Purchase attempts by outcome: settled, pending (the reconciler finishes it), failed (refused), error (chain, facilitator or database unavailable: nothing charged)",
      labelNames: ["outcome"] as const,
      registers,
    }),
    settlement: new Histogram({
      name: "x402_settlement_duration_seconds",
      help: "Time for the facilitator to settle a payment, by result: settled, refused, unavailable, unknown",
      labelNames: ["result"] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60],
      registers,
    }),
    reconcilerRuns: new Counter({
      name: "x402_reconciler_runs_total",
      help: "Reconciler passes over pending and open failed payments, by result: ok, error",
      labelNames: ["result"] as const,
      registers,
    }),
    reconciled: new Counter({
      name: "x402_reconciled_payments_total",
      help: "Payments the reconciler looked at, by how they ended: settled, failed, pending",
      labelNames: ["resolution"] as const,
      registers,
    }),
    oldestPending: new Gauge({
      name: "x402_oldest_pending_payment_age_seconds",
      help: "Age of the oldest pending payment as of the last reconciler pass (0: none)",
      aggregator: "max",
      registers,
    }),
    processes: new Gauge({
      name: "x402_metrics_processes",
      help: "Processes whose metrics this scrape sums (a cluster: the primary and its workers)",
      registers,
    }),
  };
  metrics.processes.set(1);
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;

// On globalThis, not module state: the custom server and the Next.js bundle are separate
// module graphs in one process, and both must count into the same registry.
const KEY = Symbol.for("x402-credits.metrics");
type Holder = { [KEY]?: Metrics };
const holder = globalThis as Holder;

holder[KEY] ??= createMetrics();
export const metrics: Metrics = holder[KEY];

const DEFAULTS = Symbol.for("x402-credits.metrics.process");

/**
 * Memory, CPU, event-loop lag, GC and handles of this process (prom-client's default
 * metrics). Called by each serving process at start, not at import, so that scripts and
 * unit tests that merely import a counter start no event-loop monitor.
 */
export function collectProcessMetrics(): void {
  const flags = globalThis as { [DEFAULTS]?: true };
  if (flags[DEFAULTS]) return;
  flags[DEFAULTS] = true;
  collectDefaultMetrics({ register: metrics.registry });
}

/** Seconds since `startedMs` (a `performance.now()` reading). */
export function secondsSince(startedMs: number): number {
  return (performance.now() - startedMs) / 1000;
}

const PURCHASE_OUTCOME = { settled: "settled", pending: "pending", invalid: "failed" } as const;

/** Counts a purchase attempt by how it ended; one that threw counts as `error`. */
export async function countPurchase<T extends { kind: keyof typeof PURCHASE_OUTCOME }>(
  attempt: T | Promise<T>,
): Promise<T> {
  try {
    const outcome = await attempt;
    metrics.purchases.inc({ outcome: PURCHASE_OUTCOME[outcome.kind] });
    return outcome;
  } catch (err) {
    metrics.purchases.inc({ outcome: "error" });
    throw err;
  }
}

/** Records how long a settlement took to reach `attempt`, by its kind; returns it. */
export function timedSettlement<T extends { kind: string }>(startedMs: number, attempt: T): T {
  metrics.settlement.observe({ result: attempt.kind }, secondsSince(startedMs));
  return attempt;
}

/** One reconciler pass: its result, how its payments ended, and the oldest still pending. */
export function countReconcilerRun(
  tally: Record<"settled" | "failed" | "pending", number> | undefined,
  oldestPendingSeconds?: number,
): void {
  metrics.reconcilerRuns.inc({ result: tally ? "ok" : "error" });
  if (tally)
    for (const [resolution, n] of Object.entries(tally)) metrics.reconciled.inc({ resolution }, n);
  if (oldestPendingSeconds !== undefined) metrics.oldestPending.set(oldestPendingSeconds);
}
