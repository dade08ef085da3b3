import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { accessSync, constants, readdirSync, readFileSync } from "node:fs";

/** A child process the bench started; `stop()` ends it (SIGTERM, then SIGKILL). */
export interface Child {
  name: string;
  pid: number;
  /** The last lines it wrote to stderr. */
  errors(): string[];
  stop(): Promise<void>;
}

const running = new Set<Child>();

/**
 * Starts `command ARGS` in the repo root. With `ready`, resolves once its stdout matches
 * (with the match) and rejects, killing it, when it exits first or `timeoutMs` passes.
 */
export function startChild(
  name: string,
  command: string,
  args: string[],
  opts: { env: NodeJS.ProcessEnv; ready?: RegExp; timeoutMs?: number; uid?: number; gid?: number },
): Promise<{ child: Child; match?: RegExpMatchArray }> {
  const proc = spawn(command, args, {
    cwd: process.cwd(),
    env: opts.env,
    stdio: ["ignore", "pipe", "pipe"],
    uid: opts.uid,
    gid: opts.gid,
  });
  const output: string[] = [];
  const errorLines: string[] = [];
  const keep = (into: string[], text: string) => {
    for (const line of text.split("\n")) if (line.trim() !== "") into.push(line);
    if (into.length > 100) into.splice(0, into.length - 100);
  };
  proc.stderr?.setEncoding("utf8");
  proc.stderr?.on("data", (text: string) => {
    keep(output, text);
    keep(errorLines, text);
  });
  const child: Child = {
    name,
    pid: proc.pid ?? -1,
    errors: () => [...errorLines],
    stop: () => stopProcess(proc).finally(() => running.delete(child)),
  };
  running.add(child);
  proc.stdout?.setEncoding("utf8");
  const { ready } = opts;
  if (!ready) {
    proc.stdout?.resume();
    return Promise.resolve({ child });
  }
  return new Promise((resolve, reject) => {
    let seen = "";
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void child.stop();
      reject(new Error(`${name}: ${why}\n--- output ---\n${output.join("\n")}`));
    };
    const timer = setTimeout(
      () => fail(`not ready within ${opts.timeoutMs} ms`),
      opts.timeoutMs ?? 30_000,
    );
    proc.once("exit", (code, signal) => fail(`exited (${signal ?? code}) before it was ready`));
    proc.once("error", (err) => fail(err.message));
    proc.stdout?.on("data", (text: string) => {
      keep(output, text);
      if (settled) return;
      seen += text;
      const match = seen.match(ready);
      if (!match) return;
      settled = true;
      clearTimeout(timer);
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
// /proc: CPU time and resident memory.

const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** The fields after "(comm)" of /proc/PID/stat, with comm; undefined once the process is gone. */
function readStat(pid: number | "self"): { comm: string; fields: string[] } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = text.lastIndexOf(")");
    return {
      comm: text.slice(text.indexOf("(") + 1, close),
      fields: text.slice(close + 2).split(" "),
    };
  } catch {
    return undefined;
  }
}

/** Command name of a process (what `ps -o comm` shows), or undefined once it is gone. */
export function commOf(pid: number): string | undefined {
  return readStat(pid)?.comm;
}

/** utime + stime (fields 14 and 15 of /proc/PID/stat, all threads) of each of `pids`, in s. */
export function cpuByPid(pids: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    const f = readStat(pid)?.fields;
    if (f) out.set(pid, (Number(f[11]) + Number(f[12])) / CLK_TCK);
  }
  return out;
}

/** CPU seconds of `pids` together; a process that is gone counts 0. */
export function cpuSeconds(pids: readonly number[]): number {
  let sum = 0;
  for (const cpu of cpuByPid(pids).values()) sum += cpu;
  return sum;
}

/** CPU seconds spent between two `cpuByPid` readings (a process new since `before` from 0). */
export function cpuSince(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, cpu] of after) sum += cpu - (before.get(pid) ?? 0);
  return sum;
}

/** CPU seconds of this process's children that have exited and been waited for (wrk runs). */
export function reapedChildrenCpu(): number {
  const f = readStat("self")?.fields;
  return f ? (Number(f[13]) + Number(f[14])) / CLK_TCK : 0;
}

/**
 * A system's processes: `root` and its direct children named `comm` (cluster workers, nginx
 * workers; the app's anvil, also its child, is not the app's own CPU or memory).
 */
export function processTree(root: number, comm: string): number[] {
  const out = [root];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat?.comm === comm && Number(stat.fields[1]) === root) out.push(Number(entry));
  }
  return out;
}

/** The app's processes: its primary and cluster workers (test/http/cluster.test.ts uses it). */
export const appPids = (pid: number): number[] => processTree(pid, "node");

/**
 * CPU seconds the machine spent running processes (user, nice, system), from /proc/stat;
 * interrupt and softirq time (loopback networking) is left out, as no process is charged it.
 */
export function machineProcessCpu(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const [user = 0, nice = 0, system = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system) / CLK_TCK;
}

function rssBytes(pid: number): number {
  try {
    const match = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+)\s+kB/m);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples the VmRSS sum of `pids` every 100 ms; `stop()` returns the highest sum seen. */
export function sampleRss(pids: readonly number[]): { stop(): number } {
  let max = 0;
  const sample = () => {
    max = Math.max(
      max,
      pids.reduce((sum, pid) => sum + rssBytes(pid), 0),
    );
  };
  sample();
  const timer = setInterval(sample, 100);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return max;
    },
  };
}

/** The executable `name` on PATH, or undefined. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const file = `${dir || "."}/${name}`;
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {}
  }
  return undefined;
}
