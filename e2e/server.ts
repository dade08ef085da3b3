import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { freeLoopbackPort } from "../lib/net/free-port";

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface E2eServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * `npm start`'s production server (building first if the sources changed) on a fresh
 * PostgreSQL database, with its own anvil devnet on a free port. `env` adds or overrides
 * settings, as an operator would.
 */
export async function startServer(env: Record<string, string> = {}): Promise<E2eServer> {
  const dbName = `e2e_${Date.now()}_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${dbName}`;
  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), "x402-e2e-"));
  const server = spawn(process.execPath, ["scripts/start.mjs"], {
    cwd: path.resolve(import.meta.dirname, ".."),
    env: {
      ...process.env,
      DATABASE_URL: dbUrl.toString(),
      PORT: String(port),
      HOST: "127.0.0.1",
      PUBLIC_URL: url,
      DATA_DIR: dataDir,
      ANVIL_PORT: "0",
      SEED_DEMO: "true",
      APP_SECRET: "e2e-secret-e2e-secret-e2e-secret-e2e-secret",
      NODE_ENV: "production",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // The server's output goes to a file, for when a journey fails.
  const log: string[] = [];
  const logFile = createWriteStream(path.join(dataDir, "server.log"));
  const record = (d: Buffer) => {
    log.push(String(d));
    logFile.write(d);
  };
  server.stdout?.on("data", record);
  server.stderr?.on("data", record);
  console.log(`e2e server log: ${path.join(dataDir, "server.log")}`);
  await waitForServer(url, server, log);

  return {
    url,
    stop: async () => {
      if (server.exitCode !== null) {
        console.error(
          `e2e server exited early (${server.exitCode}):\n${log.join("").slice(-4000)}`,
        );
      }
      await stop(server);
      await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
      if (!process.env.E2E_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function waitForServer(url: string, child: ChildProcess, log: string[]) {
  const deadline = Date.now() + 150_000; // includes a `next build` when sources changed
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited:\n${log.join("")}`);
    // Both doors must answer: the API and a rendered page (which also warms Next up).
    const ok = await Promise.all(
      ["/api/config", "/"].map((p) =>
        fetch(`${url}${p}`).then(
          (r) => r.ok,
          () => false,
        ),
      ),
    );
    if (ok.every(Boolean)) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  child.kill("SIGKILL");
  throw new Error(`server did not start in time:\n${log.join("")}`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
