import type { LoadResult } from "./load";

export type Id = "a" | "a1" | "n" | "p" | "c" | "d" | "e";

/** One measured run of a scenario. */
export interface Run {
  load: LoadResult;
  /** CPU of the system's processes (utime + stime) per answer, µs. */
  cpuUs: number;
  /** CPU of the PostgreSQL backends on the bench's database per answer, µs (gateway only). */
  pgUs?: number;
  /** Highest VmRSS sum of the system's processes during the run. */
  rssBytes: number;
  /** Cores busy in processes that are not the bench's own: other load on the machine. */
  otherCores: number;
}

export interface Result {
  id: Id;
  label: string;
  gateway: boolean;
  /** Why the scenario could not run (nginx not installed); then `runs` is empty. */
  unavailable?: string;
  runs: Run[];
  /** Answers ≥ 400 and socket errors, warm-up included. */
  failures: number;
  /** Gateway scenarios: "OK", or the first mismatch of the accounting check. */
  accounting?: string;
}

const MB = 1024 * 1024;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Median of a per-run figure; NaN when the scenario has no runs. */
const med = (r: Result, pick: (run: Run) => number | undefined) =>
  median(r.runs.map(pick).filter((v): v is number => v !== undefined));
const rps = (r: Result) => med(r, (run) => run.load.rps);
const p50 = (r: Result) => med(r, (run) => run.load.p50);
const p99 = (r: Result) => med(r, (run) => run.load.p99);
const maxRss = (r: Result) => Math.max(0, ...r.runs.map((run) => run.rssBytes));

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "–");
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "–");

/** The results as a Markdown table (aligned, so it reads in a terminal too). */
export function table(results: readonly Result[]): string {
  const header = ["scenario", "req/s", "p50 ms", "p99 ms", "CPU µs/req", "pg µs/req", "RSS MB"];
  const rows = results.map((r) =>
    r.unavailable
      ? [`(${r.id}) ${r.label}`, `not run: ${r.unavailable}`, "", "", "", "", ""]
      : [
          `(${r.id}) ${r.label}`,
          int(rps(r)),
          ms(p50(r)),
          ms(p99(r)),
          int(med(r, (run) => run.cpuUs)),
          r.gateway ? int(med(r, (run) => run.pgUs)) : "",
          int(maxRss(r) / MB),
        ],
  );
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(" | ")} |`;
  return [
    line(header),
    `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`,
    ...rows.map(line),
  ].join("\n");
}

/** The other load on the machine during the runs, to judge how noisy the figures are. */
export function noise(results: readonly Result[]): string {
  const cores = results.flatMap((r) => r.runs.map((run) => run.otherCores));
  if (cores.length === 0) return "";
  return `Other load on the machine during the runs (cores busy in processes not the bench's): median ${median(cores).toFixed(2)}, max ${Math.max(...cores).toFixed(2)}${Math.max(...cores) > 0.25 ? " — figures are noisy" : ""}.`;
}

export interface Verdict {
  status: "PASS" | "FAIL" | "SKIP";
  name: string;
  detail: string;
}

/**
 * The bench's targets (issue 14's goals). Timing targets only when `timed` (not in the smoke
 * run). A target is SKIPped when a scenario it needs was left out with BENCH_SCENARIOS, and
 * FAILs when one could not run.
 */
export function verdicts(results: readonly Result[], timed: boolean): Verdict[] {
  const by = new Map(results.map((r) => [r.id, r]));
  const out: Verdict[] = [];
  const check = (
    name: string,
    needs: Id[],
    evaluate: (get: (id: Id) => Result) => [boolean, string],
  ) => {
    const missing = needs.filter((id) => !by.has(id));
    const unavailable = needs.map((id) => by.get(id)).find((r) => r?.unavailable);
    if (missing.length > 0)
      out.push({ status: "SKIP", name, detail: `needs ${missing.join(", ")}` });
    else if (unavailable)
      out.push({
        status: "FAIL",
        name,
        detail: `(${unavailable.id}) not run: ${unavailable.unavailable}`,
      });
    else {
      const [ok, detail] = evaluate((id) => by.get(id) as Result);
      out.push({ status: ok ? "PASS" : "FAIL", name, detail });
    }
  };
  const ran = results.filter((r) => !r.unavailable);
  const gateway = ran.filter((r) => r.gateway);
  const share = (a: Result, b: Result) =>
    `${int(rps(a))} vs ${int(rps(b))} req/s = ${((rps(a) / rps(b)) * 100).toFixed(0)} %`;

  out.push({
    status: results.every(
      (r) => !r.unavailable && r.failures === 0 && r.runs.every((run) => run.load.requests > 0),
    )
      ? "PASS"
      : "FAIL",
    name: "every system answered every request with a 2xx",
    detail: results
      .map((r) =>
        r.unavailable
          ? `(${r.id}) not run: ${r.unavailable}`
          : `(${r.id}) ${r.runs.reduce((n, run) => n + run.load.requests, 0)} answers, ${r.failures} failed`,
      )
      .join("; "),
  });
  if (gateway.length > 0) {
    const bad = gateway.filter((r) => r.accounting !== "OK");
    out.push({
      status: bad.length === 0 ? "PASS" : "FAIL",
      name: "exact accounting: 2xx = credits debited = origin hits, checkLedger clean",
      detail:
        bad.length === 0
          ? `${gateway.map((r) => r.id).join(", ")} OK`
          : bad.map((r) => `(${r.id}) ${r.accounting}`).join("; "),
    });
  }
  if (!timed) return out;

  check("gateway (c) ≥ 60 % of the plain node:http proxy (p)", ["c", "p"], (get) => [
    rps(get("c")) >= 0.6 * rps(get("p")),
    share(get("c"), get("p")),
  ]);
  check("gateway (c) ≥ 25 % of nginx (n)", ["c", "n"], (get) => [
    rps(get("c")) >= 0.25 * rps(get("n")),
    share(get("c"), get("n")),
  ]);
  check("one hot wallet (d) ≥ 90 % of the spread case (c)", ["c", "d"], (get) => [
    rps(get("d")) >= 0.9 * rps(get("c")),
    share(get("d"), get("c")),
  ]);
  if (gateway.length > 0) {
    out.push({
      status: gateway.every((r) => p99(r) <= 3 * p50(r)) ? "PASS" : "FAIL",
      name: "p99 ≤ 3 × p50 in every gateway scenario",
      detail: gateway.map((r) => `(${r.id}) ${ms(p99(r))} vs 3 × ${ms(p50(r))} ms`).join("; "),
    });
  }
  check("added latency at one connection, p50 of (e) − (a1), ≤ 0.5 ms", ["a1", "e"], (get) => {
    const added = p50(get("e")) - p50(get("a1"));
    return [added <= 0.5, `${ms(p50(get("e")))} − ${ms(p50(get("a1")))} = ${ms(added)} ms`];
  });
  if (gateway.length > 0) {
    const rss = Math.max(...gateway.map(maxRss));
    out.push({
      status: rss <= 400 * MB ? "PASS" : "FAIL",
      name: "the app's RSS under load, all its processes together, ≤ 400 MB",
      detail: `max ${int(rss / MB)} MB (${gateway.map((r) => `${r.id} ${int(maxRss(r) / MB)}`).join(", ")})`,
    });
  }
  return out;
}
