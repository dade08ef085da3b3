import { createServer } from "node:net";
import { type Child, processTree, startChild } from "./procs";

/** A system the bench loads: where it listens, and its processes (for CPU and memory). */
export interface System {
  url: string;
  pids: number[];
}

/**
 * A free loopback port below Linux's ephemeral range (32768 and up), so that no `listen(0)`
 * (the app's own internal server) or outgoing connection is handed it before the child that
 * gets it binds it, seconds later.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    const server = createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => resolve(true));
    });
    if (free) {
      await new Promise((resolve) => server.close(resolve));
      return port;
    }
  }
}

/** Only what the children need, so a developer's shell (PUBLIC_URL, NETWORK, …) cannot leak in. */
function env(vars: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { NODE_ENV: "production" };
  for (const k of ["PATH", "HOME", "LANG", "TMPDIR", "TZ"]) {
    const v = process.env[k];
    if (v) out[k] = v;
  }
  return { ...out, ...vars };
}

const startNode = (name: string, args: string[], vars: Record<string, string>) =>
  startChild(name, process.execPath, args, {
    env: env(vars),
    ready: /listening (\d+)|is running/,
    timeoutMs: 120_000,
  });

/** The bench's origin (origin.mjs). */
export async function startOrigin(): Promise<System & { port: number }> {
  const { child, match } = await startNode("origin", ["scripts/bench/origin.mjs"], {});
  const port = Number(match?.[1]);
  return { url: `http://127.0.0.1:${port}`, port, pids: [child.pid] };
}

/**
 * The app as `npm start` runs it, in its default configuration but for what the bench must
 * set: the database, a loopback port, no demo seed and its loopback origin allowed.
 */
export async function startApp(o: {
  databaseUrl: string;
  dataDir: string;
  workers?: string;
  profileDir?: string;
}): Promise<System & { child: Child }> {
  const port = await freePort();
  const profile = o.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${o.profileDir}`] : [];
  const { child } = await startNode("app", [...profile, "scripts/start.mjs"], {
    // NODE_ENV=test: no APP_SECRET needed (the server runs Next in production mode).
    NODE_ENV: "test",
    DATABASE_URL: o.databaseUrl,
    PORT: String(port),
    HOST: "127.0.0.1",
    SEED_DEMO: "false",
    DATA_DIR: o.dataDir,
    ALLOW_PRIVATE_ORIGINS: "true",
    ...(o.workers ? { WORKERS: o.workers } : {}),
  });
  return { child, url: `http://127.0.0.1:${port}`, pids: processTree(child.pid, "node") };
}

/** The plain node:http proxy (plain-proxy.mjs) with `workers` processes. */
export async function startPlainProxy(originUrl: string, workers: number): Promise<System> {
  const port = await freePort();
  const { child } = await startNode("plain proxy", ["scripts/bench/plain-proxy.mjs"], {
    ORIGIN_URL: originUrl,
    PORT: String(port),
    WORKERS: String(workers),
  });
  return { url: `http://127.0.0.1:${port}`, pids: processTree(child.pid, "node") };
}
