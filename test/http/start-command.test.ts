import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEMO_BUYER } from "@/lib/demo/accounts";
import { freePort } from "@/test/helpers/net";

/** Runs `npm start`'s script with only the given env (no inherited settings). */
function start(env: Record<string, string>) {
  const only: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
  };
  const child = spawn(process.execPath, ["scripts/start.mjs"], {
    env: { ...only, ...env } as typeof process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, exited, output: () => output };
}

async function until(ready: () => boolean, child: ChildProcess, what: () => string) {
  for (const deadline = Date.now() + 90_000; !ready(); ) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(what());
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Two full starts (build check, PGlite, anvil, Next) in one test: generous on a busy machine.
describe("npm start (embedded default, no env)", { timeout: 180_000 }, () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "x402-start-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("starts on PGlite, prints the banner, serves the seeded demo, and keeps data across a restart", async () => {
    const port = String(await freePort());
    const env = {
      PORT: port,
      DATA_DIR: dataDir,
      PGLITE_DIR: path.join(dataDir, "pglite"),
      ANVIL_PORT: String(await freePort()),
    };
    for (let run = 1; run <= 2; run++) {
      const server = start(env);
      await until(() => server.output().includes("is running"), server.child, server.output);
      const banner = server.output();
      expect(banner).toContain(`URL       http://localhost:${port}`);
      expect(banner).toMatch(/Database {2}PGlite \(embedded\) at .*pglite/);
      expect(banner).toMatch(/Token {5}USDC 0x[0-9a-fA-F]{40}/);
      expect(banner).toContain(`curl -X POST 'http://localhost:${port}/api/dev/faucet'`);
      expect(banner).toContain(
        `curl -H 'x-wallet-address: ${DEMO_BUYER}' 'http://localhost:${port}/api/credits/balance?endpoint=demo'`,
      );
      const res = await fetch(`http://127.0.0.1:${port}/api/credits/balance?endpoint=demo`, {
        headers: { "x-wallet-address": DEMO_BUYER },
      });
      // Seeding is idempotent: the welcome credits are granted once, not once per start.
      expect(await res.json()).toEqual({ credits: 100, endpoint: "demo" });
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
    }
  });

  it.each([
    [{ PORT: "http" }, "Configuration error: PORT: "],
    [{ DATABASE_URL: "mysql://x" }, "Configuration error: DATABASE_URL: "],
    [{ NETWORK: "eip155:8453" }, "Configuration error: NETWORK: eip155:8453 moves real money"],
  ])("refuses %o with one line naming the variable", async (env, message) => {
    const server = start({ DATA_DIR: dataDir, ...env });
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain(message);
  });
});
