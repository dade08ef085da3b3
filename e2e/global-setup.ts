import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { freeLoopbackPort } from "../lib/net/free-port";

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/**
 * A fresh PostgreSQL database and `npm start`'s production server (building first if the
 * sources changed) with its own anvil devnet on a free port. Returns the teardown.
 */
export default async function globalSetup() {
  const dbName = `e2e_${Date.now()}_${process.pid}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${dbName}`;
  const port = await freeLoopbackPort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), "x402-e2e-"));
  const server = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: path.resolve(import.meta.dirname, ".."),
    env: {
      ...process.env,
      DATABASE_URL: dbUrl.toString(),
      PORT: String(port),
      HOST: "127.0.0.1",
      PUBLIC_URL: baseUrl,
      DATA_DIR: dataDir,
      ANVIL_PORT: "0",
      SEED_DEMO: "true",
      APP_SECRET: "e2e-secret-e2e-secret-e2e-secret-e2e-secret",
      NODE_ENV: "production",
      // A made-up id: WalletConnect is listed, and the tests check it never goes online.
      WALLETCONNECT_PROJECT_ID: "e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // The server's output goes to a file next to the reports, for when a journey fails.
  const log: string[] = [];
  const logFile = createWriteStream(path.join(dataDir, "server.log"));
  const record = (d: Buffer) => {
    log.push(String(d));
    logFile.write(d);
  };
  server.stdout?.on("data", record);
  server.stderr?.on("data", record);
  console.log(`e2e server log: ${path.join(dataDir, "server.log")}`);
  await waitForServer(baseUrl, server, log);
  process.env.E2E_BASE_URL = baseUrl;

  return async () => {
    if (server.exitCode !== null) {
      console.error(`e2e server exited early (${server.exitCode}):\n${log.join("").slice(-4000)}`);
    }
    await stop(server);
    await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    if (!process.env.E2E_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
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
