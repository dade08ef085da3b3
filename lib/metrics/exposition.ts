import cluster, { type Worker } from "node:cluster";
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from "prom-client";
import { metrics } from "./metrics";

type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

const REQUEST = "x402-credits:metrics?";
const ANSWER = "x402-credits:metrics!";
/** A worker that does not answer by then (busy, dying) is left out of this scrape. */
const WORKER_TIMEOUT_MS = 2_000;

let nextRequest = 0;

/** The Prometheus text format's content type, as prom-client writes it. */
export const EXPOSITION_CONTENT_TYPE = metrics.registry.contentType;

/**
 * This process's metrics, summed with those of its cluster workers when it is a cluster's
 * primary (`x402_metrics_processes` says how many answered). The summing is prom-client's
 * AggregatorRegistry; the asking is ours, because its clusterMetrics() asks the workers
 * only, and here the primary is a complete app (purchases, reconciler, pages) too.
 */
export async function exposition(): Promise<string> {
  const workers = cluster.isPrimary
    ? Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w?.isConnected())
    : [];
  if (workers.length === 0) return metrics.registry.metrics();
  const all = await Promise.all([metrics.registry.getMetricsAsJSON(), ...workers.map(ask)]);
  return AggregatorRegistry.aggregate(
    all.filter((m): m is MetricsJson => m !== undefined),
  ).metrics();
}

function ask(worker: Worker): Promise<MetricsJson | undefined> {
  const id = nextRequest++;
  return new Promise((resolve) => {
    const done = (answer: MetricsJson | undefined) => {
      clearTimeout(timer);
      worker.off("message", onMessage);
      worker.off("exit", onExit);
      resolve(answer);
    };
    const onMessage = (message: unknown) => {
      if (isAnswer(message) && message.id === id) done(message.metrics);
    };
    const onExit = () => done(undefined);
    const timer = setTimeout(() => done(undefined), WORKER_TIMEOUT_MS);
    worker.on("message", onMessage);
    worker.once("exit", onExit);
    worker.send({ type: REQUEST, id }, (err: Error | null) => {
      if (err) done(undefined);
    });
  });
}

/** In a cluster worker: answers the primary's scrapes with this process's metrics. */
export function answerMetricsRequests(): void {
  process.on("message", (message: unknown) => {
    if (!isRequest(message)) return;
    void metrics.registry.getMetricsAsJSON().then(
      (json) => process.send?.({ type: ANSWER, id: message.id, metrics: json }),
      () => process.send?.({ type: ANSWER, id: message.id }),
    );
  });
}

function isRequest(message: unknown): message is { type: string; id: number } {
  return (message as { type?: unknown } | null)?.type === REQUEST;
}

function isAnswer(
  message: unknown,
): message is { type: string; id: number; metrics?: MetricsJson } {
  return (message as { type?: unknown } | null)?.type === ANSWER;
}
