import autocannon from "autocannon";

export interface LoadOptions {
  /** Base URL, e.g. http://127.0.0.1:3000 */
  url: string;
  path: string;
  connections: number;
  seconds: number;
  /**
   * Values for `x-wallet-address`. One: every request carries it. More: connection i
   * cycles through wallets i, i+n, i+2n, … (n = connections), so no two connections
   * ever share a wallet and every wallet gets used.
   */
  wallets?: readonly string[];
}

export interface LoadResult {
  responses: number;
  ok: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  statuses: Record<string, number>;
  elapsedMs: number;
  rps: number;
  p50: number;
  p99: number;
}

/** The autocannon client fields the graceful stop needs (not in @types/autocannon). */
interface DrainableClient {
  reqsMade: number;
  responseMax?: number;
}

/** Extra seconds after which autocannon hard-stops, should the graceful stop hang. */
const HARD_STOP_EXTRA_S = 15;

/**
 * Runs autocannon (pipelining 1) for `seconds`, then stops gracefully: every connection
 * finishes the request it has in flight and sends no other. autocannon's own end of run
 * destroys the sockets with requests in flight, which the server still serves and charges;
 * draining instead makes "2xx answers received" exactly "calls served", so the ledger and
 * the origin's hit count can be compared with it. Latencies are kept unrounded (autocannon's
 * histogram has 1 ms resolution, too coarse for the single-connection comparison).
 */
export function runLoad(o: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const clients: DrainableClient[] = [];
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    let ok = 0;
    let non2xx = 0;
    let errors = 0;
    let last = performance.now();
    const started = performance.now();
    const wallets = o.wallets ?? [];
    const target = `${o.url}${o.path}`;

    const instance = autocannon(
      {
        url: target,
        connections: o.connections,
        pipelining: 1,
        duration: o.seconds + HARD_STOP_EXTRA_S,
        timeout: 10,
        headers: wallets.length === 1 ? { "x-wallet-address": wallets[0] as string } : {},
        setupClient: (client) => {
          const index = clients.length;
          clients.push(client as unknown as DrainableClient);
          if (wallets.length > 1) {
            const requests: autocannon.Request[] = [];
            for (let j = index % o.connections; j < wallets.length; j += o.connections) {
              requests.push({
                method: "GET",
                path: o.path,
                headers: { "x-wallet-address": wallets[j] as string },
              });
            }
            client.setRequests(requests);
          }
        },
      },
      (err: unknown, result: autocannon.Result) => {
        clearTimeout(drain);
        if (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        const elapsedMs = last - started;
        latencies.sort((a, b) => a - b);
        resolve({
          responses: latencies.length,
          ok,
          non2xx,
          errors: Math.max(errors, result.errors),
          statuses,
          elapsedMs,
          rps: elapsedMs > 0 ? (latencies.length / elapsedMs) * 1000 : 0,
          p50: percentile(latencies, 0.5),
          p99: percentile(latencies, 0.99),
        });
      },
    );
    instance.on("response", (_client, status, _bytes, ms) => {
      last = performance.now();
      latencies.push(ms);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status >= 200 && status < 300) ok++;
      else non2xx++;
    });
    instance.on("reqError", () => {
      errors++;
    });
    const drain = setTimeout(() => {
      // A client whose count is reached destroys itself instead of sending the next
      // request; when all are done autocannon ends the run (within its 1 s sample tick).
      for (const c of clients) c.responseMax = Math.max(1, c.reqsMade);
    }, o.seconds * 1000);
  });
}

/** Nearest-rank percentile of sorted values (ms), 0 when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[rank] as number;
}
