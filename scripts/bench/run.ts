/**
 * `npm run bench`: throughput, latency, memory and exactness of the credit gateway on this
 * machine, against the same origin reached directly and through a bare proxy.
 *
 * Scenarios (each: a warm-up of WARMUP_SECONDS, not counted, then BENCH_SECONDS, default 8):
 *   (a)  the origin directly, 64 connections: what the origin itself can serve.
 *   (a1) the origin directly, 1 connection: the latency floor (baseline for e).
 *   (b)  a minimal `node:http` + `fetch` pass-through proxy (no ledger) in front of the
 *        origin, 64 connections: this machine's ceiling for any Node proxy.
 *   (c)  the gateway (`/e/SLUG/…`, custom server's fast door), 64 connections, requests
 *        spread over 10,000 funded wallets (no two connections share a wallet).
 *   (d)  the gateway, 64 connections, all on ONE wallet: every debit wants the same balance
 *        row; the debit batcher's per-account group commit is what keeps this up with c.
 *   (e)  the gateway, 1 connection (one wallet): the latency the gateway adds to one call,
 *        compared with (a1) in the targets.
 *   (c1) as c, the app as ONE process (WORKERS=1; the default is a cluster, one worker per
 *        core): what the cluster adds, and the memory of a single process.
 *   (f)  as c, through the Next route handler (a second app process, FAST_PATHS=false).
 *
 * Processes: the origin, the proxy and the app each run as a child process (`node --import
 * tsx`); autocannon runs in this process. All share the machine's cores with PostgreSQL.
 * Before each scenario the bench waits (up to 5 s) for the machine to be idle, since a test
 * run or build elsewhere skews the numbers. About 2 minutes in all with the defaults.
 * The app gets a fresh database (created here, dropped at the end) and `DATABASE_POOL_MAX=32`.
 * The CPU lines under the table also give the app's main-thread run-queue wait (from
 * /proc/PID/task/PID/schedstat): a high "waiting for a core" share means the event loop
 * was starved of CPU by the other processes on the machine (Postgres backends, above all).
 *
 * Reading the table:
 *   req/s           answers per second during the measured window (all statuses).
 *   p50 / p99 ms    response latency seen by the load generator (unrounded).
 *   err/non-2xx     connection errors or timeouts / answers that were not 2xx (e.g. 402).
 *   app RSS max     VmRSS (/proc/PID/status, sampled every 100 ms during warm-up and load)
 *                   of the app's processes together (primary + cluster workers; anvil not
 *                   counted), with the largest single process when there are several.
 *   accounting      after each gateway scenario: 2xx answers (warm-up + measured) =
 *                   credits debited on that scenario's endpoint (consume − refunds) = hits
 *                   the origin counted for it, and `checkLedger` clean. "OK" or the numbers.
 * Under the table: CPU per process in cores (CPU-seconds per second, this machine has
 * `nproc` of them) — when "machine" is near the core count, the run was CPU-bound and the
 * split shows who spent it — and the targets as PASS/FAIL lines.
 *
 * Environment: BENCH_SECONDS (measured seconds per scenario), BENCH_DATABASE_URL (server to
 * create the scratch database on; default postgres://postgres@127.0.0.1:5432/test),
 * BENCH_SCENARIOS (e.g. "c" or "a,b,c" to run a subset), BENCH_WORKERS (the fast-door app's WORKERS;
 * default: the app's own, one per core), BENCH_CPU_PROF=1 (run the fast-door
 * app under `node --cpu-prof` and print its top self-time functions during scenario c;
 * =d or =e for those scenarios instead). Experiments (printed in the header when set):
 * BENCH_APP_POOL_MAX (the app's DATABASE_POOL_MAX, default 32), BENCH_SYNC_COMMIT=off (the
 * scratch database's synchronous_commit default, to see what the commit flush costs).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { checkLedger } from "@/lib/ledger";
import { ensureBuild } from "../ensure-build.mjs";
import { busyShare, summariseProfile } from "./cpu-profile";
import {
  type BenchDatabase,
  createBenchDatabase,
  createEndpoint,
  creditsDebited,
  fundWallets,
  randomWallet,
} from "./db";
import { type LoadOptions, type LoadResult, runLoad } from "./load";
import {
  type Child,
  type CpuShares,
  CpuWindow,
  parentPid,
  RssSampler,
  startChild,
  stopAllChildren,
  waitForQuiet,
} from "./procs";

const SERVER_URL = process.env.BENCH_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";
const SECONDS = Number(process.env.BENCH_SECONDS || 8);
const WARMUP_SECONDS = 2;
const CONNECTIONS = 64;
const WALLETS = 10_000;
const CREDITS_PER_WALLET = 1_000_000n;
const CREDITS_ONE_WALLET = 100_000_000n;
/** BENCH_CPU_PROF=1 (or =c, =d, =e): profile the fast-door app, summarise that scenario. */
const CPU_PROF_RAW = process.env.BENCH_CPU_PROF ?? "";
const CPU_PROF = CPU_PROF_RAW !== "" && CPU_PROF_RAW !== "0";
const CPU_PROF_SCENARIO = ["c", "d", "e"].includes(CPU_PROF_RAW) ? CPU_PROF_RAW : "c";
const ALL = ["a", "a1", "b", "c", "d", "e", "c1", "f"] as const;
type Id = (typeof ALL)[number];
const ONLY = new Set(
  (process.env.BENCH_SCENARIOS || ALL.join(","))
    .split(",")
    .map((s) => s.trim())
    .filter((s): s is Id => (ALL as readonly string[]).includes(s)),
);
const MB = 1024 * 1024;
/** Experiments: the app's pool size, and the scratch database's synchronous_commit. */
const APP_POOL_MAX = Number(process.env.BENCH_APP_POOL_MAX || 32);
/** The fast-door app's WORKERS (default: the app's own, one per core on PostgreSQL). */
const WORKERS = process.env.BENCH_WORKERS ?? "";
const SYNC_COMMIT = process.env.BENCH_SYNC_COMMIT ?? "";
/** Before each scenario, wait this long at most for other load on the machine to end. */
const QUIET_WAIT_MS = 5_000;

if (!Number.isFinite(SECONDS) || SECONDS < 1 || SECONDS > 120) {
  throw new Error("BENCH_SECONDS must be between 1 and 120");
}

interface Scenario {
  id: Id;
  label: string;
  target: "origin" | "proxy" | Door;
  connections: number;
  /** Path on the target; for the gateway `/e/bench-ID/x`. */
  path: string;
  wallets?: readonly string[];
  /** The gateway endpoint's id; undefined for a, a1, b. */
  endpointId?: number;
}

interface Row {
  scenario: Scenario;
  load: LoadResult;
  warm: LoadResult;
  cpu: CpuShares;
  rss?: { total: number; largest: number; processes: number };
  accounting?: { ok: boolean; text: string };
}

/** Wall-clock marks on the profile's clock (µs, CLOCK_MONOTONIC). */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === "string") throw new Error("no free port");
  return address.port;
}

/** Only what the children need, so a developer's shell (PUBLIC_URL, NETWORK, …) cannot leak in. */
function baseEnv(nodeEnv: "production" | "test" = "production"): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { NODE_ENV: nodeEnv };
  for (const k of ["PATH", "HOME", "LANG", "TMPDIR", "TZ"]) {
    const v = process.env[k];
    if (v) env[k] = v;
  }
  return env;
}

/** The app as started: the default (a cluster on PostgreSQL), one process, or Next's door. */
type Door = "fast" | "single" | "next";

async function startApp(opts: {
  door: Door;
  databaseUrl: string;
  dataDir: string;
  profileDir?: string;
}): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const { child } = await startChild(
    { fast: "app (fast door)", single: "app (fast door, WORKERS=1)", next: "app (Next door)" }[
      opts.door
    ],
    [
      ...(opts.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${opts.profileDir}`] : []),
      "scripts/start.mjs",
    ],
    {
      env: {
        // NODE_ENV=test: the app's config then needs no APP_SECRET (start.ts runs Next in
        // production mode regardless).
        ...baseEnv("test"),
        DATABASE_URL: opts.databaseUrl,
        PORT: String(port),
        HOST: "127.0.0.1",
        SEED_DEMO: "false",
        DATA_DIR: opts.dataDir,
        DATABASE_POOL_MAX: String(APP_POOL_MAX),
        FAST_PATHS: String(opts.door !== "next"),
        ...(opts.door === "single" ? { WORKERS: "1" } : WORKERS ? { WORKERS } : {}),
      },
      ready: /is running/,
      timeoutMs: 120_000,
    },
  );
  return { child, url: `http://127.0.0.1:${port}` };
}

async function originHits(originUrl: string): Promise<Record<string, number>> {
  const res = await fetch(`${originUrl}/__hits`);
  return (await res.json()) as Record<string, number>;
}

async function main(): Promise<void> {
  const started = performance.now();
  const log = (msg: string) =>
    console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${msg}`);
  const tmp = mkdtempSync(path.join(tmpdir(), "x402-bench-"));
  let db: BenchDatabase | undefined;
  const watchdogMs =
    240_000 + ONLY.size * (SECONDS + WARMUP_SECONDS + QUIET_WAIT_MS / 1000 + 10) * 1000;
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${watchdogMs / 1000} s, giving up`);
    void cleanup().finally(() => process.exit(1));
  }, watchdogMs);
  const cleanup = async () => {
    clearTimeout(watchdog);
    await stopAllChildren();
    await db?.drop().catch((err: unknown) => console.error("could not drop database:", err));
    rmSync(tmp, { recursive: true, force: true });
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the bench…`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  try {
    log("checking the Next build (rebuilds when sources changed)…");
    const buildStarted = performance.now();
    ensureBuild();
    log(`build ready (${((performance.now() - buildStarted) / 1000).toFixed(1)} s)`);

    db = await createBenchDatabase(SERVER_URL, parentPid);
    const database = db.database;
    log(`database ${db.name} created`);
    if (SYNC_COMMIT !== "") {
      if (!/^(on|off|local|remote_write|remote_apply)$/.test(SYNC_COMMIT)) {
        throw new Error("BENCH_SYNC_COMMIT must be on, off, local, remote_write or remote_apply");
      }
      // A database default: sessions opened from now on (the app's) pick it up.
      await database.db.execute(
        sql.raw(`alter database ${db.name} set synchronous_commit = ${SYNC_COMMIT}`),
      );
    }

    const origin = await startChild("origin", ["--import", "tsx", "scripts/bench/origin.ts"], {
      env: baseEnv(),
      ready: /listening (\d+)/,
      timeoutMs: 30_000,
    });
    const originUrl = `http://127.0.0.1:${origin.match[1]}`;
    const proxy = await startChild("proxy", ["--import", "tsx", "scripts/bench/proxy.ts"], {
      env: { ...baseEnv(), ORIGIN_URL: originUrl },
      ready: /listening (\d+)/,
      timeoutMs: 30_000,
    });
    const proxyUrl = `http://127.0.0.1:${proxy.match[1]}`;

    // Endpoints and credits exist before the app starts (it caches endpoint config).
    const gateway = async (id: Id, wallets: readonly string[], credits: bigint) => {
      if (!ONLY.has(id)) return undefined;
      const endpointId = await createEndpoint(database, `bench-${id}`, `${originUrl}/${id}`);
      await fundWallets(database, endpointId, wallets, credits);
      return { endpointId, wallets };
    };
    const many = () => Array.from({ length: WALLETS }, randomWallet);
    const c = await gateway("c", many(), CREDITS_PER_WALLET);
    const d = await gateway("d", [randomWallet()], CREDITS_ONE_WALLET);
    const e = await gateway("e", [randomWallet()], CREDITS_ONE_WALLET);
    const f = await gateway("f", many(), CREDITS_PER_WALLET);
    const c1 = await gateway("c1", many(), CREDITS_PER_WALLET);
    log("endpoints created and wallets funded");

    const gateways = { c, d, e, c1, f };
    const defs: Pick<Scenario, "id" | "label" | "target" | "connections">[] = [
      { id: "a", label: "origin direct, 64 conn", target: "origin", connections: CONNECTIONS },
      { id: "a1", label: "origin direct, 1 conn", target: "origin", connections: 1 },
      {
        id: "b",
        label: "node:http+fetch proxy, 64 conn",
        target: "proxy",
        connections: CONNECTIONS,
      },
      {
        id: "c",
        label: "gateway fast, 64 conn, 10k wallets",
        target: "fast",
        connections: CONNECTIONS,
      },
      {
        id: "d",
        label: "gateway fast, 64 conn, 1 wallet",
        target: "fast",
        connections: CONNECTIONS,
      },
      { id: "e", label: "gateway fast, 1 conn", target: "fast", connections: 1 },
      {
        id: "c1",
        label: "as c, one process (WORKERS=1)",
        target: "single",
        connections: CONNECTIONS,
      },
      {
        id: "f",
        label: "gateway Next door, 64 conn, 10k",
        target: "next",
        connections: CONNECTIONS,
      },
    ];
    const scenarios: Scenario[] = defs
      .filter((s) => ONLY.has(s.id))
      .map((s) => {
        const gw = s.id in gateways ? gateways[s.id as keyof typeof gateways] : undefined;
        const onGateway = s.target !== "origin" && s.target !== "proxy";
        return {
          ...s,
          path: onGateway ? `/e/bench-${s.id}/x` : `/${s.id}/x`,
          wallets: gw?.wallets,
          endpointId: gw?.endpointId,
        };
      });

    const rows: Row[] = [];
    let profileWindow: { fromUs: number; toUs: number } | undefined;
    let app: { child: Child; url: string; door: Door } | undefined;
    const profileDir = path.join(tmp, "profile");
    const stopApp = async () => {
      if (!app) return;
      await app.child.stop();
      const stderr = app.child.errors();
      if (stderr.length > 0) {
        console.log(`  ${app.child.name} wrote ${stderr.length} stderr line(s), last ones:`);
        for (const line of stderr.slice(-5)) console.log(`    ${line}`);
      }
      app = undefined;
    };
    const ensureApp = async (door: Door) => {
      if (app?.door === door) return app;
      await stopApp();
      log(`starting the app (${door} door)…`);
      const profile = CPU_PROF && door === "fast";
      if (profile) mkdirSync(profileDir, { recursive: true });
      const startedApp = await startApp({
        door,
        databaseUrl: db?.url ?? "",
        dataDir: path.join(tmp, `data-${door}`),
        profileDir: profile ? profileDir : undefined,
      });
      app = { ...startedApp, door };
      log(`app ready, pid ${app.child.pid}`);
      return app;
    };
    // The fast-door app is up (idle) from the start so that its start-up does not overlap
    // a measurement; a, a1 and b do not touch it.
    if (scenarios.some((s) => s.target === "fast")) await ensureApp("fast");

    for (const s of scenarios) {
      const running =
        s.target === "origin" || s.target === "proxy" ? undefined : await ensureApp(s.target);
      const url =
        s.target === "origin" ? originUrl : s.target === "proxy" ? proxyUrl : (running?.url ?? "");
      const spec: LoadOptions = {
        url,
        path: s.path,
        connections: s.connections,
        seconds: SECONDS,
        wallets: s.wallets,
      };
      const busy = await waitForQuiet(QUIET_WAIT_MS);
      if (busy > 0.3)
        log(`  machine not idle (${busy.toFixed(2)} cores busy elsewhere), measuring anyway`);
      log(`(${s.id}) ${s.label}: warm-up ${WARMUP_SECONDS} s, then ${SECONDS} s…`);
      const rss = running ? new RssSampler(running.child.pid).start() : undefined;
      const warm = await runLoad({ ...spec, seconds: WARMUP_SECONDS });
      const cpu = new CpuWindow(
        {
          app: running?.child.pid,
          origin: origin.child.pid,
          proxy: s.target === "proxy" ? proxy.child.pid : undefined,
        },
        db.postmasterPid,
      );
      const fromUs = monotonicUs();
      const load = await runLoad(spec);
      const toUs = monotonicUs();
      const shares = cpu.stop();
      const rssMax = rss?.stop();
      if (s.id === CPU_PROF_SCENARIO) profileWindow = { fromUs, toUs };

      let accounting: Row["accounting"];
      if (s.endpointId !== undefined) {
        const answered = warm.ok + load.ok;
        const debited = await creditsDebited(database, s.endpointId);
        const hits = (await originHits(originUrl))[s.id] ?? 0;
        const ledger = await checkLedger(database.db);
        const ok = debited === BigInt(answered) && hits === answered && ledger.ok;
        accounting = {
          ok,
          text: ok
            ? "OK"
            : `MISMATCH 2xx=${answered} debited=${debited} origin=${hits}` +
              (ledger.ok
                ? ""
                : ` ledger: ${ledger.mismatches.length} bad account(s), ${ledger.brokenChain} broken chain`),
        };
      }
      rows.push({ scenario: s, load, warm, cpu: shares, rss: rssMax, accounting });
    }
    await stopApp();
    log("done");

    printReport(rows);

    if (CPU_PROF) {
      // One profile per process (primary and workers): show the busiest.
      const file = readdirSync(profileDir)
        .filter((f) => f.endsWith(".cpuprofile"))
        .map((f) => ({ f, busy: busyShare(path.join(profileDir, f), profileWindow) }))
        .sort((a, b) => b.busy - a.busy)[0]?.f;
      console.log("");
      if (!file) console.log("CPU profile: none written (the app did not exit cleanly?)");
      else {
        // Kept (the scratch directory is removed): open it in Chrome DevTools or re-run
        // `tsx scripts/bench/cpu-profile.ts FILE FROM_US TO_US`.
        const kept = path.join(tmpdir(), `x402-bench-${process.pid}.cpuprofile`);
        copyFileSync(path.join(profileDir, file), kept);
        const w = profileWindow;
        console.log(
          `CPU profile of the fast-door app's busiest process during (${CPU_PROF_SCENARIO}): ${kept}${w ? ` (window ${w.fromUs} ${w.toUs})` : ""}`,
        );
        console.log(summariseProfile(kept, profileWindow));
      }
    }
  } finally {
    await cleanup();
  }
  console.log(`\ntotal bench time ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

function printReport(rows: Row[]): void {
  const by = new Map(rows.map((r) => [r.scenario.id, r]));
  const fmt = (n: number, digits = 2) => n.toFixed(digits);
  const header = [
    "scenario",
    "req/s",
    "p50 ms",
    "p99 ms",
    "err/non-2xx",
    "app RSS max",
    "accounting check",
  ];
  const table = rows.map((r) => [
    `(${r.scenario.id}) ${r.scenario.label}`,
    fmt(r.load.rps, 0),
    fmt(r.load.p50),
    fmt(r.load.p99),
    `${r.load.errors}/${r.load.non2xx}`,
    r.rss === undefined
      ? "–"
      : r.rss.processes > 1
        ? `${fmt(r.rss.total / MB, 0)} MB = ${r.rss.processes} procs, largest ${fmt(r.rss.largest / MB, 0)}`
        : `${fmt(r.rss.total / MB, 0)} MB`,
    r.accounting?.text ?? "–",
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...table.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) =>
        i === 0 || i === cells.length - 1
          ? cell.padEnd(widths[i] ?? 0)
          : cell.padStart(widths[i] ?? 0),
      )
      .join("  ")
      .trimEnd();
  console.log("");
  console.log(
    `x402-credits bench: ${SECONDS} s per scenario after ${WARMUP_SECONDS} s warm-up, pipelining 1, ${availableParallelism()} cores, app pool ${APP_POOL_MAX} per process, fast door WORKERS=${WORKERS || "auto"}` +
      (SYNC_COMMIT ? `, synchronous_commit=${SYNC_COMMIT} (experiment)` : ""),
  );
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of table) console.log(line(row));

  console.log("");
  console.log(
    'CPU in the measured window, in cores ("rest" = machine busy time not in these processes:',
  );
  console.log(
    "kernel networking (softirq) and anything else running on the machine; high rest = noisy run):",
  );
  const cores = (n: number | undefined) => (n === undefined ? "   –" : n.toFixed(2));
  const pctOf = (share: number) => `${(share * 100).toFixed(0)}%`;
  let noisy = false;
  for (const r of rows) {
    const c = r.cpu;
    const known = (c.app ?? 0) + (c.pg ?? 0) + (c.origin ?? 0) + (c.proxy ?? 0) + c.driver;
    const rest = c.machine - known;
    if (rest > 0.5) noisy = true;
    console.log(
      `  (${r.scenario.id})`.padEnd(7) +
        [
          `app ${cores(c.app)}`,
          `pg ${cores(c.pg)}`,
          `origin ${cores(c.origin)}`,
          `proxy ${cores(c.proxy)}`,
          `driver ${cores(c.driver)}`,
          `rest ${cores(rest)}`,
          `machine ${cores(c.machine)}/${availableParallelism()}`,
          `(${r.load.responses} answers in ${fmt(r.load.elapsedMs / 1000, 1)} s)`,
        ].join("  ") +
        (c.appMain
          ? `\n         busiest app main thread: on a core ${pctOf(c.appMain.run)}, runnable but waiting for one ${pctOf(c.appMain.wait)}`
          : ""),
    );
  }
  if (noisy) {
    console.log(
      "  ! some scenario had > 0.5 cores busy outside the bench's processes: other load on this machine may have skewed it",
    );
  }

  console.log("");
  console.log("Targets:");
  const target = (
    name: string,
    needs: Id[],
    check: (get: (id: Id) => Row) => [boolean, string],
  ) => {
    const missing = needs.filter((id) => !by.has(id));
    if (missing.length > 0) {
      console.log(`  SKIP  ${name} (needs ${missing.join(", ")})`);
      return;
    }
    const [ok, detail] = check((id) => by.get(id) as Row);
    console.log(`  ${ok ? "PASS" : "FAIL"}  ${name}: ${detail}`);
  };
  target("(c) ≥ 60% of (b)", ["b", "c"], (get) => {
    const [b, c] = [get("b").load.rps, get("c").load.rps];
    return [c >= 0.6 * b, `${fmt(c, 0)} vs ${fmt(b, 0)} req/s = ${fmt((c / b) * 100, 0)}%`];
  });
  target("(c1) one process ≥ 60% of (b)", ["b", "c1"], (get) => {
    const [b, c1] = [get("b").load.rps, get("c1").load.rps];
    return [c1 >= 0.6 * b, `${fmt(c1, 0)} vs ${fmt(b, 0)} req/s = ${fmt((c1 / b) * 100, 0)}%`];
  });
  target("(d) ≥ 90% of (c), p99 ≤ 3 × p50", ["c", "d"], (get) => {
    const [c, d] = [get("c").load, get("d").load];
    const ratio = d.rps / c.rps;
    return [
      ratio >= 0.9 && d.p99 <= 3 * d.p50,
      `${fmt(d.rps, 0)} vs ${fmt(c.rps, 0)} req/s = ${fmt(ratio * 100, 0)}%; p99 ${fmt(d.p99)} ms vs 3 × p50 = ${fmt(3 * d.p50)} ms`,
    ];
  });
  target("(e) p50 − origin p50 ≤ 1 ms (origin at 1 conn, a1)", ["a1", "e"], (get) => {
    const added = get("e").load.p50 - get("a1").load.p50;
    return [
      added <= 1,
      `${fmt(get("e").load.p50)} − ${fmt(get("a1").load.p50)} = ${fmt(added)} ms added (vs (a) at 64 conn: ${by.has("a") ? fmt(get("e").load.p50 - get("a").load.p50) : "–"} ms)`,
    ];
  });
  const single = by.get("c1")?.rss;
  if (single) {
    console.log(
      `  ${single.total <= 400 * MB ? "PASS" : "FAIL"}  app RSS ≤ 400 MB, one process (c1, WORKERS=1): ${fmt(single.total / MB, 0)} MB`,
    );
  }
  const nextDoor = by.get("f")?.rss;
  if (nextDoor) {
    console.log(
      `  info  app RSS of the Next door (f, FAST_PATHS=false, not the default): ${fmt(nextDoor.total / MB, 0)} MB`,
    );
  }
  // The default configuration's scenarios (the fast door as `npm start` runs it).
  const gatewayRows = rows.filter((r) => r.scenario.target === "fast");
  if (gatewayRows.length === 0) console.log("  SKIP  app RSS ≤ 400 MB (no gateway scenario)");
  else {
    const max = Math.max(...gatewayRows.map((r) => r.rss?.total ?? 0));
    const largest = Math.max(...gatewayRows.map((r) => r.rss?.largest ?? 0));
    console.log(
      `  ${max <= 400 * MB ? "PASS" : "FAIL"}  app RSS ≤ 400 MB, all its processes together: max ${fmt(max / MB, 0)} MB`,
    );
    console.log(
      `  ${largest <= 400 * MB ? "PASS" : "FAIL"}  app RSS ≤ 400 MB, largest single process: ${fmt(largest / MB, 0)} MB`,
    );
  }
  const checked = rows.filter((r) => r.accounting);
  const bad = checked.filter((r) => !r.accounting?.ok);
  if (checked.length === 0) console.log("  SKIP  zero accounting mismatches (no gateway scenario)");
  else
    console.log(
      `  ${bad.length === 0 ? "PASS" : "FAIL"}  zero accounting mismatches: ${bad.length} of ${checked.length} scenarios${bad.length ? ` (${bad.map((r) => r.scenario.id).join(", ")})` : ""}`,
    );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
