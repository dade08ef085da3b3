// @ts-check
// Plain JavaScript so `npm start` can run it before anything is compiled.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

const SOURCES = [
  "app",
  "components",
  "hooks",
  "lib",
  "db",
  "contracts",
  "public",
  "next.config.ts",
  "postcss.config.mjs",
  "tsconfig.json",
  "package-lock.json",
];

/** The bundled custom server that `npm start` runs (see lib/server/main.ts). */
export const SERVER_BUNDLE = path.join(".next", "x402-server", "main.mjs");

/** @param {string} root @returns {number} newest modification time (ms), tests skipped */
function newestSource(root) {
  let newest = 0;
  /** @param {string} p */
  const visit = (p) => {
    if (!existsSync(p)) return;
    const stat = statSync(p);
    if (stat.isDirectory()) for (const entry of readdirSync(p)) visit(path.join(p, entry));
    else if (!p.endsWith(".test.ts")) newest = Math.max(newest, stat.mtimeMs);
  };
  for (const s of SOURCES) visit(path.join(root, s));
  return newest;
}

/** @param {string} file @param {number} newest */
const fresh = (file, newest) => existsSync(file) && statSync(file).mtimeMs >= newest;

/**
 * Runs `next build`, and bundles the custom server, when either is missing or older than
 * the sources: `npm start` on a fresh clone just works and a changed checkout is not stale.
 * The server runs from an esbuild bundle rather than through tsx, whose transform hooks
 * and source maps cost ~90 MB of RSS per process.
 * @param {string} [root]
 */
export function ensureBuild(root = process.cwd()) {
  const newest = newestSource(root);
  if (!fresh(path.join(root, ".next", "BUILD_ID"), newest)) {
    console.log("Building the web app (first start or changed sources)…");
    const result = spawnSync(process.execPath, [require.resolve("next/dist/bin/next"), "build"], {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
    });
    if (result.status !== 0) throw new Error(`next build failed (exit ${result.status})`);
  }
  const bundle = path.join(root, SERVER_BUNDLE);
  if (!fresh(bundle, newest)) bundleServer(root, bundle);
}

/** @param {string} root @param {string} outfile */
function bundleServer(root, outfile) {
  const { buildSync } = require("esbuild");
  buildSync({
    absWorkingDir: root,
    entryPoints: ["lib/server/main.ts"],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Dependencies load from node_modules as usual; only our own code is bundled.
    packages: "external",
    tsconfig: "tsconfig.json",
    sourcemap: "linked",
    logLevel: "warning",
  });
}
