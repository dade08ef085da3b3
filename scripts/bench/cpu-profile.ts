import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a script comes from: an npm package, Node itself, the Next build, or our code. */
function area(url: string, fn: string): string {
  if (url === "") return fn.startsWith("(") ? fn : "(native)";
  if (url.startsWith("node:")) {
    // node:internal/webstreams/readablestream → node:webstreams; node:_http_server → node:http
    const rest = url.replace(/^node:(internal\/)?/, "");
    if (rest.startsWith("deps/undici")) return "node:undici (global fetch/Request/Headers)";
    if (rest.startsWith("_http_")) return "node:http";
    return `node:${rest.split("/")[0]}`;
  }
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1] as string;
  if (url.includes("/.next/")) return ".next build";
  const ours = url.match(/\/(lib|db|app|scripts)\/([^/]+)/);
  if (!ours) return url;
  return ours[1] === "lib" ? `lib/${ours[2]}` : (ours[1] as string);
}

function shortUrl(url: string): string {
  const pkg = url.match(/node_modules\/(.*)$/);
  if (pkg) return pkg[1] as string;
  const ours = url.match(/\/((?:lib|db|app|scripts)\/.*)$/);
  return ours ? (ours[1] as string) : url.replace(/^file:\/\//, "");
}

/** The share of [fromUs, toUs] a profile's thread was not idle: picks a cluster's busiest. */
export function busyShare(file: string, window?: { fromUs: number; toUs: number }): number {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const idle = new Set(
    profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id),
  );
  let t = profile.startTime;
  let busy = 0;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    total += delta;
    if (!idle.has(profile.samples[i] as number)) busy += delta;
  }
  return total === 0 ? 0 : busy / total;
}

/**
 * Self time of a V8 CPU profile (`node --cpu-prof`) within [fromUs, toUs] on the profile's
 * clock (CLOCK_MONOTONIC microseconds, the same clock as `process.hrtime`): the top
 * functions and the share per area (package / Node core / our modules / GC / idle).
 */
export function summariseProfile(
  file: string,
  window?: { fromUs: number; toUs: number },
  top = 25,
): string {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  /**
   * A native frame (socket write, …) is charged to its nearest caller outside Node core:
   * the package or module that asked for the write.
   */
  const nativeCaller = (id: number): string => {
    for (let p = parentOf.get(id); p !== undefined; p = parentOf.get(p)) {
      const frame = byId.get(p)?.callFrame;
      if (frame?.url && !frame.url.startsWith("node:")) return area(frame.url, frame.functionName);
    }
    return "node core";
  };
  const selfByFn = new Map<string, number>();
  const selfByArea = new Map<string, number>();
  let t = profile.startTime;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    const node = byId.get(profile.samples[i] as number);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || "(anonymous)";
    const key = url ? `${name}  ${shortUrl(url)}:${lineNumber + 1}` : name;
    selfByFn.set(key, (selfByFn.get(key) ?? 0) + delta);
    let a = area(url, name);
    if (a === "(native)") a = `native, called from ${nativeCaller(node.id)}`;
    selfByArea.set(a, (selfByArea.get(a) ?? 0) + delta);
    total += delta;
  }
  const pct = (us: number) => `${((us / Math.max(1, total)) * 100).toFixed(1).padStart(5)}%`;
  const busy = total - (selfByArea.get("(idle)") ?? 0);
  const lines = [
    `profiled ${(total / 1e6).toFixed(1)} s of the app's main thread, busy ${pct(busy)} (not idle)`,
    "",
    "self time by area:",
    ...[...selfByArea.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([k, us]) => `  ${pct(us)}  ${k}`),
    "",
    `top ${top} functions by self time:`,
    ...[...selfByFn.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `  ${pct(us)}  ${k}`),
  ];
  return lines.join("\n");
}

// `tsx scripts/bench/cpu-profile.ts FILE [fromUs toUs]` summarises a saved profile.
if (process.argv[1]?.endsWith("cpu-profile.ts") && process.argv[2]) {
  const [from, to] = [process.argv[3], process.argv[4]].map(Number);
  console.log(
    summariseProfile(process.argv[2], from && to ? { fromUs: from, toUs: to } : undefined),
  );
}
