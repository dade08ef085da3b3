import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A span on the profile's clock: CLOCK_MONOTONIC µs, the clock of `process.hrtime`. */
export interface Window {
  fromUs: number;
  toUs: number;
}

const load = (file: string) => JSON.parse(readFileSync(file, "utf8")) as CpuProfile;

/** Each sample of `profile` inside `windows`: its node id and the µs it stands for. */
function* samplesIn(profile: CpuProfile, windows: readonly Window[]) {
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i] ?? 0;
    t += us;
    if (windows.some((w) => t >= w.fromUs && t <= w.toUs)) {
      yield { id: profile.samples[i] as number, us };
    }
  }
}

/** The share of `windows` a profile's thread was not idle: picks a cluster's busiest. */
export function busyShare(file: string, windows: readonly Window[]): number {
  const profile = load(file);
  const idle = new Set(
    profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id),
  );
  let busy = 0;
  let total = 0;
  for (const { id, us } of samplesIn(profile, windows)) {
    total += us;
    if (!idle.has(id)) busy += us;
  }
  return total === 0 ? 0 : busy / total;
}

/**
 * The module of a line of the app's server bundle: esbuild starts each module's code with a
 * `// lib/…/file.ts` line (the bundle holds our code only; packages load from node_modules).
 */
const bundleMarks = new Map<string, { line: number; module: string }[]>();
function bundledModule(url: string, line: number): string | undefined {
  if (!url.endsWith("/x402-server/main.mjs")) return undefined;
  let marks = bundleMarks.get(url);
  if (!marks) {
    marks = readFileSync(fileURLToPath(url), "utf8")
      .split("\n")
      .flatMap((text, i) => {
        const module = text.match(/^\/\/ ((?:lib|db|app)\/\S+\.tsx?)$/)?.[1];
        return module ? [{ line: i, module }] : [];
      });
    bundleMarks.set(url, marks);
  }
  return marks.findLast((mark) => mark.line <= line)?.module;
}

/** Where a frame's code lives: `area` (package, Node core, our module's folder) and file. */
function locate({ url, functionName, lineNumber }: CallFrame): { area: string; file: string } {
  if (url === "")
    return { area: functionName.startsWith("(") ? functionName : "(native)", file: "" };
  const module = bundledModule(url, lineNumber);
  if (module) return { area: module.split("/").slice(0, 2).join("/"), file: module };
  if (url.startsWith("node:")) {
    // node:internal/webstreams/readablestream → node:webstreams; node:_http_server → node:http
    const rest = url.replace(/^node:(internal\/)?/, "");
    const area = rest.startsWith("deps/undici")
      ? "node:undici (global fetch/Request/Headers)"
      : rest.startsWith("_http_")
        ? "node:http"
        : `node:${rest.split("/")[0]}`;
    return { area, file: `${url}:${lineNumber + 1}` };
  }
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)(.*)$/);
  if (pkg) return { area: pkg[1] as string, file: `${pkg[1]}${pkg[2]}:${lineNumber + 1}` };
  return { area: url.includes("/.next/") ? ".next build" : url, file: `${url}:${lineNumber + 1}` };
}

/**
 * Self time of a V8 CPU profile (`node --cpu-prof`) within `windows`: the share per area
 * (package / Node core / our module folders / GC / idle) and the top functions.
 */
export function summariseProfile(file: string, windows: readonly Window[], top = 20): string {
  const profile = load(file);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  /** A native frame (socket write, …) is charged to its nearest caller outside Node core. */
  const nativeCaller = (id: number): string => {
    for (let p = parentOf.get(id); p !== undefined; p = parentOf.get(p)) {
      const frame = byId.get(p)?.callFrame;
      if (frame?.url && !frame.url.startsWith("node:")) return locate(frame).area;
    }
    return "node core";
  };
  const selfByFn = new Map<string, number>();
  const selfByArea = new Map<string, number>();
  let total = 0;
  for (const { id, us } of samplesIn(profile, windows)) {
    const node = byId.get(id);
    if (!node) continue;
    const where = locate(node.callFrame);
    const name = node.callFrame.functionName || "(anonymous)";
    const key = where.file ? `${name}  ${where.file}` : name;
    selfByFn.set(key, (selfByFn.get(key) ?? 0) + us);
    const area = where.area === "(native)" ? `native, called from ${nativeCaller(id)}` : where.area;
    selfByArea.set(area, (selfByArea.get(area) ?? 0) + us);
    total += us;
  }
  const pct = (us: number) => `${((us / Math.max(1, total)) * 100).toFixed(1).padStart(5)}%`;
  const ranked = (map: Map<string, number>, n: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `  ${pct(us)}  ${k}`);
  const busy = total - (selfByArea.get("(idle)") ?? 0);
  return [
    `profiled ${(total / 1e6).toFixed(1)} s of its main thread, busy ${pct(busy)} (not idle)`,
    "",
    "self time by area:",
    ...ranked(selfByArea, 15),
    "",
    `top ${top} functions by self time:`,
    ...ranked(selfByFn, top),
  ].join("\n");
}
