import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ContextOptions } from "@/lib/app/context";
import { loadConfig } from "@/lib/config";
import { freeLoopbackPort } from "@/lib/net/free-port";
import { type RunningApp, startApp } from "@/lib/server/start";
import { openTestDatabase, type TestTarget } from "./databases";

/** Which entrance a request takes: the custom server's fast paths, or Next's pipeline. */
export type Door = "fast" | "next";

/**
 * The production app (custom server + Next build + its own devnet anvil) listening on a
 * free loopback port, on a fresh database of its own. One at a time per process: the app
 * context is global.
 */
export async function startTestApp(opts: {
  door: Door;
  target: TestTarget;
  env?: Record<string, string>;
  context?: Omit<ContextOptions, "database">;
}): Promise<RunningApp> {
  const database = await openTestDatabase(opts.target);
  const port = await freeLoopbackPort();
  const config = loadConfig({
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    HOST: "127.0.0.1",
    DATA_DIR: mkdtempSync(path.join(tmpdir(), "x402-app-")),
    ANVIL_PORT: "0",
    SEED_DEMO: "true",
    FAST_PATHS: opts.door === "fast" ? "true" : "false",
    NODE_ENV: "test",
    ...opts.env,
  });
  const app = await startApp(config, { ...opts.context, database });
  const close = app.close;
  return {
    ...app,
    async close() {
      await close();
      await database.close();
    },
  };
}
