import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** A child process the bench started; `stop()` ends it (SIGTERM, then SIGKILL). */
export interface Child {
  name: string;
  pid: number;
  proc: ChildProcess;
  /** The last lines the child wrote (stdout and stderr). */
  output(): string;
  /** The lines the child wrote to stderr. */
  errors(): string[];
  stop(): Promise<void>;
}

const running = new Set<Child>();

/**
 * Starts `node ARGS` in the repo root and resolves once its stdout matches `ready`, with
 * the match. Rejects (and kills the child) when it exits first or `timeoutMs` passes.
 */
export function startChild(
  name: string,
  args: string[],
  opts: { env: NodeJS.ProcessEnv; ready: RegExp; timeoutMs: number },
): Promise<{ child: Child; match: RegExpMatchArray }> {
  const proc = spawn(process.execPath, args, {
    cwd: process.cwd(),
    env: opts.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const errorLines: string[] = [];
  const keep = (into: string[], text: string, max: number) => {
    for (const line of text.split("\n")) if (line.trim() !== "") into.push(line);
    if (into.length > max) into.splice(0, into.length - max);
  };
  proc.stderr?.setEncoding("utf8");
  proc.stderr?.on("data", (text: string) => {
    keep(lines, text, 200);
    keep(errorLines, text, 200);
  });
  const child: Child = {
    name,
    pid: proc.pid ?? -1,
    proc,
    output: () => lines.join("\n"),
    errors: () => [...errorLines],
    stop: () => stopProcess(proc).finally(() => running.delete(child)),
  };
  running.add(child);
  return new Promise((resolve, reject) => {
    let seen = "";
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void child.stop();
      reject(new Error(`${name}: ${why}\n--- output ---\n${child.output()}`));
    };
    const timer = setTimeout(() => fail(`not ready within ${opts.timeoutMs} ms`), opts.timeoutMs);
    proc.once("exit", (code, signal) => fail(`exited (${signal ?? code}) before it was ready`));
    proc.once("error", (err) => fail(err.message));
    proc.stdout?.setEncoding("utf8");
    proc.stdout?.on("data", (text: string) => {
      keep(lines, text, 200);
      if (settled) return;
      seen += text;
      const match = seen.match(opts.ready);
      if (!match) return;
      settled = true;
      clearTimeout(timer);
      seen = "";
      resolve({ child, match });
    });
  });
}

async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  proc.kill("SIGTERM");
  const timeout = (ms: number) => new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms));
  if ((await Promise.race([exited, timeout(10_000)])) === "timeout") {
    proc.kill("SIGKILL");
    await Promise.race([exited, timeout(2_000)]);
  }
}

/** Stops every child the bench started that is still running. */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((c) => c.stop()));
}

// ---------------------------------------------------------------------------------------
// /proc sampling: resident memory and CPU time.

const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** VmRSS of a process in bytes, or undefined once it is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const match = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+)\s+kB/m);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

interface Stat {
  comm: string;
  ppid: number;
  /** utime + stime, seconds. */
  cpu: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt
    // cmajflt utime stime …
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return {
      comm: text.slice(text.indexOf("(") + 1, text.lastIndexOf(")")),
      ppid: Number(fields[1]),
      cpu: (Number(fields[11]) + Number(fields[12])) / CLK_TCK,
    };
  } catch {
    return undefined;
  }
}

/**
 * The app's processes: `pid` and its Node children (cluster workers; anvil, also a child,
 * is not the app's own memory or CPU).
 */
export function appPids(pid: number): number[] {
  const out = [pid];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat?.ppid === pid && stat.comm === "node") out.push(Number(entry));
  }
  return out;
}

/** CPU seconds used so far by `pid`. */
export function cpuSeconds(pid: number): number {
  return readStat(pid)?.cpu ?? 0;
}

/** CPU seconds per process of the postmaster `pid` and its children (the backends). */
export function postgresCpu(postmaster: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = readStat(pid);
    if (stat && (pid === postmaster || stat.ppid === postmaster)) out.set(pid, stat.cpu);
  }
  return out;
}

export function parentPid(pid: number): number | undefined {
  return readStat(pid)?.ppid;
}

/** Busy and total CPU seconds of the whole machine (all cores), from /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: (total - idle) / CLK_TCK, total: total / CLK_TCK };
}

/** On-CPU and runnable-but-waiting (run queue) seconds of a process's main thread. */
export function mainThreadSched(pid: number): { run: number; wait: number } | undefined {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8")
      .trim()
      .split(" ")
      .map(Number);
    return { run: (run ?? 0) / 1e9, wait: (wait ?? 0) / 1e9 };
  } catch {
    return undefined;
  }
}

function mainThreads(pids: number[]): Map<number, { run: number; wait: number }> {
  const out = new Map<number, { run: number; wait: number }>();
  for (const pid of pids) {
    const sched = mainThreadSched(pid);
    if (sched) out.set(pid, sched);
  }
  return out;
}

export interface CpuShares {
  app?: number;
  /**
   * The app's main (JavaScript) thread: share of the window it ran on a core, and share it
   * was runnable but waiting for one. Their sum near 1 means the event loop was the limit.
   */
  appMain?: { run: number; wait: number };
  pg?: number;
  origin?: number;
  proxy?: number;
  driver: number;
  machine: number;
}

/** Who burned the CPU between `start()` and `stop()`, in cores (CPU seconds per second). */
export class CpuWindow {
  private readonly t0 = performance.now();
  private readonly driver0 = process.cpuUsage();
  private readonly machine0 = machineCpu();
  private readonly pg0: Map<number, number>;
  private readonly pids0: Map<string, number>;
  private readonly sched0: Map<number, { run: number; wait: number }> | undefined;
  private readonly appPids: number[];

  constructor(
    private readonly pids: { app?: number; origin?: number; proxy?: number },
    private readonly postmaster: number | undefined,
  ) {
    this.pg0 = postmaster ? postgresCpu(postmaster) : new Map();
    this.appPids = pids.app ? appPids(pids.app) : [];
    this.sched0 = pids.app ? mainThreads(this.appPids) : undefined;
    this.pids0 = new Map(
      Object.entries(pids).flatMap(([k, pid]) => (pid ? [[k, this.cpuOf(k, pid)] as const] : [])),
    );
  }

  private cpuOf(key: string, pid: number): number {
    if (key !== "app") return cpuSeconds(pid);
    return this.appPids.reduce((sum, p) => sum + cpuSeconds(p), 0);
  }

  stop(): CpuShares {
    const seconds = (performance.now() - this.t0) / 1000;
    const driver = process.cpuUsage(this.driver0);
    const machine = machineCpu();
    const of = (key: "app" | "origin" | "proxy") => {
      const pid = this.pids[key];
      return pid ? (this.cpuOf(key, pid) - (this.pids0.get(key) ?? 0)) / seconds : undefined;
    };
    let pg: number | undefined;
    if (this.postmaster) {
      let used = 0;
      for (const [pid, cpu] of postgresCpu(this.postmaster)) used += cpu - (this.pg0.get(pid) ?? 0);
      pg = used / seconds;
    }
    // The busiest process's main thread: the one that limits a cluster.
    let appMain: { run: number; wait: number } | undefined;
    for (const [pid, now] of this.sched0 ? mainThreads(this.appPids) : []) {
      const before = this.sched0?.get(pid);
      if (!before) continue;
      const share = {
        run: (now.run - before.run) / seconds,
        wait: (now.wait - before.wait) / seconds,
      };
      if (!appMain || share.run > appMain.run) appMain = share;
    }
    return {
      app: of("app"),
      appMain,
      origin: of("origin"),
      proxy: of("proxy"),
      pg,
      driver: (driver.user + driver.system) / 1e6 / seconds,
      machine: (machine.busy - this.machine0.busy) / seconds,
    };
  }
}

/** Samples a process's VmRSS every `everyMs` and remembers the maximum. */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  private readonly pids: number[];
  /** Highest sum over the app's processes. */
  max = 0;
  /** Highest single process. */
  maxProcess = 0;

  constructor(
    pid: number,
    private readonly everyMs = 100,
  ) {
    this.pids = appPids(pid);
  }

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    return this;
  }

  stop(): { total: number; largest: number; processes: number } {
    clearInterval(this.timer);
    this.sample();
    return { total: this.max, largest: this.maxProcess, processes: this.pids.length };
  }

  private sample() {
    let total = 0;
    for (const pid of this.pids) {
      const rss = rssBytes(pid) ?? 0;
      total += rss;
      if (rss > this.maxProcess) this.maxProcess = rss;
    }
    if (total > this.max) this.max = total;
  }
}

/**
 * Waits (up to `maxMs`) until the machine is nearly idle — other work on it (a test run,
 * a build) would skew the next measurement — and returns the cores busy at the last look.
 */
export async function waitForQuiet(maxMs: number, idleCores = 0.3): Promise<number> {
  const deadline = performance.now() + maxMs;
  for (;;) {
    const before = machineCpu();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 500));
    const busy = (machineCpu().busy - before.busy) / ((performance.now() - t0) / 1000);
    if (busy <= idleCores || performance.now() >= deadline) return busy;
  }
}
