import { loadConfig } from "@/lib/config";
import { type RunningApp, startApp } from "@/lib/server/start";
import { openTestDatabase, type TestTarget } from "./databases";

/** Which entrance a request takes: the custom server's fast paths, or Next's pipeline. */
export type Door = "fast" | "next";

/**
 * The production app (custom server + Next build) listening on a free loopback port, on
 * a fresh database of its own. Run one at a time per process: the app context is global.
 */
export async function startTestApp(opts: {
  door: Door;
  target: TestTarget;
  env?: Record<string, string>;
}): Promise<RunningApp> {
  const database = await openTestDatabase(opts.target);
  const config = loadConfig({
    PORT: "1",
    HOST: "127.0.0.1",
    SEED_DEMO: "true",
    FAST_PATHS: opts.door === "fast" ? "true" : "false",
    NODE_ENV: "test",
    ...opts.env,
  });
  // Port 0 picks a free one; the config schema only accepts real ports, so set it here.
  const app = await startApp({ ...config, port: 0 }, { database });
  return app;
}
