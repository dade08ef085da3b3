import cluster from "node:cluster";
import { ConfigError, loadConfig } from "@/lib/config";
import { createLogger, installLogger, log } from "@/lib/log/logger";
import { startBanner } from "@/lib/server/banner";
import { startPrimary, startWorker } from "@/lib/server/cluster";
import { startApp } from "@/lib/server/start";

/**
 * `npm start` (via scripts/start.mjs, which builds first): the production server on one port,
 * embedded database by default. With WORKERS above 1 (PostgreSQL only) this process is the
 * cluster's primary and forks the gateway workers, which run this same file.
 */
async function main() {
  const started = Date.now();
  // The operator's NODE_ENV decides the config rules (APP_SECRET required in production);
  // Next itself must always run with NODE_ENV=production on a production build.
  const config = loadConfig(process.env);
  installLogger(createLogger({ level: config.logLevel, pretty: config.env === "development" }));
  Object.assign(process.env, { NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" });

  if (cluster.isWorker) return startWorker(config);
  const app = config.workers > 1 ? await startPrimary(config) : await startApp(config);
  console.log(startBanner(app.ctx, Date.now() - started));

  const stop = async (signal: string) => {
    log().info({ signal }, "shutting down");
    app.ctx.draining = true;
    await app.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(`Configuration error: ${err.message}`);
  // Not through pino: before the logger exists, and a transport could lose it on exit.
  else console.error(err);
  process.exit(1);
});
