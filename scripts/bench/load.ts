import { execFile } from "node:child_process";
import path from "node:path";

export interface LoadResult {
  /** Answers received (every request sent got one unless there are socket errors). */
  requests: number;
  /** Answers with status ≥ 400 (wrk's "status errors"); the others are 2xx here. */
  failed: number;
  /** Connect, read and write errors and timeouts. */
  socketErrors: number;
  /** Answers per second of the sending window. */
  rps: number;
  p50: number;
  p99: number;
}

const SCRIPT = path.join(import.meta.dirname, "wrk.lua");
/** wrk runs this long past the sending window for the answers in flight (its -d is in s). */
const DRAIN_SECONDS = 1;
/** wrk's default; one thread when there is one connection. */
const THREADS = 2;

/**
 * Runs wrk (HTTP/1.1 keep-alive, one request in flight per connection) against `url` for
 * `seconds`, each request carrying an `x-wallet-address` from `walletsFile` (one a line; see
 * wrk.lua), and waits for every answer, so that its count is exact. Latencies are wrk's
 * percentiles (µs resolution, with its coordinated-omission correction).
 */
export async function runLoad(o: {
  url: string;
  connections: number;
  seconds: number;
  walletsFile: string;
}): Promise<LoadResult> {
  const threads = Math.min(THREADS, o.connections);
  const args = [
    ...["-t", String(threads), "-c", String(o.connections)],
    ...["-d", `${o.seconds + DRAIN_SECONDS}s`, "--timeout", "10s", "-s", SCRIPT],
    o.url,
    ...["--", String(o.seconds), o.walletsFile, String(threads)],
  ];
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile("wrk", args, { timeout: (o.seconds + 60) * 1000 }, (err, out, errOut) => {
      if (err) reject(new Error(`wrk ${args.join(" ")}: ${err.message}\n${errOut}`));
      else resolve(out);
    });
  });
  const line = stdout.split("\n").find((l) => l.startsWith("BENCH "));
  if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
  const r = JSON.parse(line.slice("BENCH ".length)) as {
    requests: number;
    failed: number;
    socketErrors: number;
    p50Us: number;
    p99Us: number;
  };
  return {
    requests: r.requests,
    failed: r.failed,
    socketErrors: r.socketErrors,
    rps: r.requests / o.seconds,
    p50: r.p50Us / 1000,
    p99: r.p99Us / 1000,
  };
}
