/**
 * `npm run bench:gateway` (part of `npm run bench`), and with `--smoke` `npm run bench:smoke`:
 * the credit gateway against the same origin reached directly, through nginx and through a
 * plain Node proxy, in one run; exit code 1 when a target fails. The README's "Benchmarks"
 * section describes the scenarios, how each figure is measured and the environment variables.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { checkLedger } from "@/lib/ledger";
import { openTestDatabase } from "@/test/helpers/databases";
import { ensureBuild } from "../ensure-build.mjs";
import { busyShare, summariseProfile, type Window } from "./cpu-profile";
import { backendPids, createEndpoint, creditsDebited, fundWallets, randomWallet } from "./db";
import { runLoad } from "./load";
import { startNginx } from "./nginx";
import {
  cpuByPid,
  cpuSeconds,
  cpuSince,
  machineProcessCpu,
  onPath,
  reapedChildrenCpu,
  sampleRss,
  stopAllChildren,
} from "./procs";
import { type Id, noise, type Result, type Run, table, verdicts } from "./report";
import { type System, startApp, startOrigin, startPlainProxy } from "./systems";

const SMOKE = process.argv.includes("--smoke");
const SECONDS = Number(process.env.BENCH_SECONDS || (SMOKE ? 2 : 5));
const ROUNDS = SMOKE ? 1 : 3;
const WARMUP_SECONDS = SMOKE ? 0 : 2;
const CONNECTIONS = 64;
const PROFILE = ["", "0"].includes(process.env.BENCH_PROFILE ?? "")
  ? undefined
  : ((["c", "d", "e"].find((id) => id === process.env.BENCH_PROFILE) ?? "c") as Id);

if (!Number.isInteger(SECONDS) || SECONDS < 1 || SECONDS > 120) {
  throw new Error("BENCH_SECONDS must be a whole number of seconds between 1 and 120");
}

type SystemName = "origin" | "nginx" | "plain" | "app";
interface Scenario {
  id: Id;
  label: string;
  system: SystemName;
  connections: number;
  /** How many wallets the requests take their x-wallet-address from (funded on the app). */
  wallets: number;
}

const scenario = (
  id: Id,
  label: string,
  system: SystemName,
  connections = CONNECTIONS,
  wallets = 1,
): Scenario => ({ id, label, system, connections, wallets });
const SCENARIOS = [
  scenario("a", "origin directly", "origin"),
  scenario("a1", "origin directly, 1 connection", "origin", 1),
  scenario("n", "nginx, keep-alive upstream", "nginx"),
  scenario("p", "plain node:http proxy", "plain"),
  scenario("c", "gateway, 10k wallets", "app", CONNECTIONS, 10_000),
  scenario("d", "gateway, one wallet", "app"),
  scenario("e", "gateway, 1 connection", "app", 1),
];
const selected = new Set(
  (process.env.BENCH_SCENARIOS || "a,a1,n,p,c,d,e").split(",").map((s) => s.trim()),
);
const scenarios = SCENARIOS.filter((s) => selected.has(s.id));

/** CLOCK_MONOTONIC µs, the clock of `node --cpu-prof` profiles. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

async function main(): Promise<number> {
  const started = performance.now();
  const log = (msg: string) =>
    console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${msg}`);
  if (!onPath("wrk"))
    throw new Error(
      "wrk, the bench's load generator, is not on PATH (Debian/Ubuntu: apt-get install wrk)",
    );
  const nginxBinary = onPath("nginx");
  if (!nginxBinary && selected.has("n")) {
    const bar = "!".repeat(78);
    console.error(
      `\n${bar}\n!! nginx is not on PATH: the nginx anchor (n) cannot run and its target fails.\n!! Debian/Ubuntu: apt-get install nginx-light (the bench runs its own instance).\n${bar}\n`,
    );
  }
  log("checking the Next build (rebuilds when sources changed)…");
  ensureBuild();
  const database = await openTestDatabase("postgres");
  const tmp = mkdtempSync(path.join(tmpdir(), "x402-bench-"));
  const scratch = [tmp];
  const cleanup = async () => {
    await stopAllChildren();
    await database
      .close()
      .catch((err: unknown) => console.error("could not drop the database:", err));
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the bench…`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  try {
    const origin = await startOrigin();
    // Endpoints and credits exist before the app starts (it caches endpoint config).
    const walletsFile = (id: Id) => path.join(tmp, `wallets-${id}.txt`);
    const endpointIds = new Map<Id, number>();
    for (const s of scenarios) {
      const wallets = Array.from({ length: s.wallets }, randomWallet);
      writeFileSync(walletsFile(s.id), wallets.join("\n"));
      if (s.system !== "app") continue;
      const id = await createEndpoint(database, `bench-${s.id}`, `${origin.url}/${s.id}`);
      await fundWallets(database, id, wallets, 100_000_000n / BigInt(s.wallets) + 1_000n);
      endpointIds.set(s.id, id);
    }
    log("database ready, endpoints created and wallets funded");

    const systems = new Map<SystemName, System | { unavailable: string }>([["origin", origin]]);
    const profileDir = path.join(tmp, "profile");
    // The anchors get as many processes as the app; without the app, BENCH_WORKERS (or 1).
    let workers = Number(process.env.BENCH_WORKERS) || 1;
    if (PROFILE) mkdirSync(profileDir);
    const app = scenarios.some((s) => s.system === "app")
      ? await startApp({
          databaseUrl: database.url ?? "",
          dataDir: path.join(tmp, "data"),
          workers: process.env.BENCH_WORKERS,
          profileDir: PROFILE ? profileDir : undefined,
        })
      : undefined;
    if (app) {
      systems.set("app", app);
      workers = Math.max(1, app.pids.length - 1);
      log(`app ready: ${app.pids.length} process(es), ${workers} serving the gateway`);
    }
    if (selected.has("p")) systems.set("plain", await startPlainProxy(origin.url, workers));
    if (selected.has("n") && !nginxBinary)
      systems.set("nginx", { unavailable: "nginx is not on PATH" });
    else if (selected.has("n") && nginxBinary) {
      const nginx = await startNginx({ binary: nginxBinary, originPort: origin.port, workers });
      scratch.push(nginx.dir);
      systems.set("nginx", nginx);
    }

    const results = new Map<Id, Result>();
    for (const s of scenarios) {
      const system = systems.get(s.system);
      results.set(s.id, {
        id: s.id,
        label: s.label,
        gateway: s.system === "app",
        runs: [],
        failures: 0,
        ...(system && "unavailable" in system ? { unavailable: system.unavailable } : {}),
        ...(s.system === "app" ? { accounting: "OK" } : {}),
      });
    }
    const answered = new Map<Id, number>();
    const profileWindows: Window[] = [];

    /** One wrk run of `s`; `counted` false for the warm-up (still in the accounting). */
    const measure = async (s: Scenario, seconds: number, counted: boolean) => {
      const system = systems.get(s.system);
      const result = results.get(s.id);
      if (!system || "unavailable" in system || !result) return;
      // Backends the app opens during the run count from zero (its pools fill lazily).
      const pgCpu = async () =>
        s.system === "app" ? cpuByPid(await backendPids(database)) : new Map<number, number>();
      const originPids = s.system === "origin" ? [] : origin.pids;
      const before = {
        system: cpuSeconds(system.pids),
        origin: cpuSeconds(originPids),
        pg: await pgCpu(),
        machine: machineProcessCpu(),
        wrk: reapedChildrenCpu(),
        self: process.cpuUsage(),
        at: performance.now(),
        us: monotonicUs(),
      };
      const rss = sampleRss(system.pids);
      const load = await runLoad({
        url: `${system.url}${s.system === "app" ? `/e/bench-${s.id}/x` : `/${s.id}/x`}`,
        connections: s.connections,
        seconds,
        walletsFile: walletsFile(s.id),
      });
      const rssBytes = rss.stop();
      const elapsed = (performance.now() - before.at) / 1000;
      const self = process.cpuUsage(before.self);
      const cpu = {
        system: cpuSeconds(system.pids) - before.system,
        pg: cpuSince(before.pg, await pgCpu()),
        // What the bench itself burned: the origin, wrk (reaped by now) and this process.
        bench:
          cpuSeconds(originPids) -
          before.origin +
          reapedChildrenCpu() -
          before.wrk +
          (self.user + self.system) / 1e6,
      };
      const perAnswer = (seconds: number) => (seconds / Math.max(1, load.requests)) * 1e6;
      result.failures += load.failed + load.socketErrors;
      const run: Run = {
        load,
        cpuUs: perAnswer(cpu.system),
        ...(s.system === "app" ? { pgUs: perAnswer(cpu.pg) } : {}),
        rssBytes,
        otherCores: Math.max(
          0,
          (machineProcessCpu() - before.machine - cpu.system - cpu.pg - cpu.bench) / elapsed,
        ),
      };
      if (counted) result.runs.push(run);
      if (counted && s.id === PROFILE)
        profileWindows.push({ fromUs: before.us, toUs: monotonicUs() });
      const failed =
        load.failed + load.socketErrors > 0
          ? `, ${load.failed} answers ≥ 400, ${load.socketErrors} socket errors`
          : "";
      log(
        `(${s.id}) ${counted ? "run" : "warm-up"}: ${Math.round(load.rps)} req/s, p50 ${load.p50.toFixed(2)} ms, p99 ${load.p99.toFixed(2)} ms${failed}`,
      );

      const endpointId = endpointIds.get(s.id);
      if (endpointId === undefined || result.accounting !== "OK") return;
      const ok = (answered.get(s.id) ?? 0) + load.requests - load.failed;
      answered.set(s.id, ok);
      const debited = await creditsDebited(database, endpointId);
      const hits =
        ((await (await fetch(`${origin.url}/__hits`)).json()) as Record<string, number>)[s.id] ?? 0;
      const ledger = await checkLedger(database.db);
      if (debited !== BigInt(ok) || hits !== ok || !ledger.ok) {
        result.accounting =
          `MISMATCH 2xx=${ok} debited=${debited} origin=${hits}` +
          (ledger.ok
            ? ""
            : ` ledger: ${ledger.mismatches.length} bad account(s), ${ledger.brokenChain} broken chain`);
      }
    };

    if (WARMUP_SECONDS > 0) for (const s of scenarios) await measure(s, WARMUP_SECONDS, false);
    for (let round = 1; round <= ROUNDS; round++) {
      if (ROUNDS > 1) log(`round ${round} of ${ROUNDS}`);
      for (const s of scenarios) await measure(s, SECONDS, true);
    }
    if (app) {
      await app.child.stop(); // and so writes its profiles
      const stderr = app.child.errors();
      if (stderr.length > 0)
        console.log(`the app wrote to stderr, last lines:\n  ${stderr.slice(-5).join("\n  ")}`);
    }
    log("done");

    const all = [...results.values()];
    console.log(
      `\nx402-credits bench${SMOKE ? " (smoke)" : ""}: ${ROUNDS > 1 ? `median of ${ROUNDS} runs` : "one run"} of ${SECONDS} s per scenario, wrk, ${CONNECTIONS} connections unless noted, ${availableParallelism()} cores; the gateway, the plain proxy and nginx each with ${workers} worker process(es)\n`,
    );
    console.log(`${table(all)}\n\n${noise(all)}\n\nTargets:`);
    const outcome = verdicts(all, !SMOKE);
    for (const v of outcome) console.log(`  ${v.status}  ${v.name}: ${v.detail}`);
    if (PROFILE) printProfile(profileDir, profileWindows);
    return outcome.some((v) => v.status === "FAIL") ? 1 : 0;
  } finally {
    await cleanup();
    console.log(`\ntotal bench time ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

/** The busiest of the app's processes (primary and workers) over the profiled scenario's runs. */
function printProfile(dir: string, windows: Window[]): void {
  const busiest = readdirSync(dir)
    .map((f) => path.join(dir, f))
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((file) => ({ file, busy: busyShare(file, windows) }))
    .sort((a, b) => b.busy - a.busy)[0];
  if (!busiest) {
    console.log("\nCPU profile: none written (the app did not exit cleanly?)");
    return;
  }
  // Kept (the scratch directory is removed): it opens in Chrome DevTools.
  const kept = path.join(tmpdir(), `x402-bench-${process.pid}.cpuprofile`);
  copyFileSync(busiest.file, kept);
  console.log(`\nCPU profile of the app's busiest process during (${PROFILE}): ${kept}`);
  console.log(summariseProfile(kept, windows));
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
