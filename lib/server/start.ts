import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type AppContext,
  type ContextOptions,
  closeAppContext,
  createAppContext,
  installAppContext,
} from "@/lib/app/context";
import type { Config } from "@/lib/config";
import { seedDemo } from "@/lib/demo/seed";
import { startMetricsServer } from "@/lib/metrics/endpoint";
import { collectProcessMetrics } from "@/lib/metrics/metrics";
import { startRollups } from "@/lib/provider/rollup";
import { startReconciler } from "@/lib/purchase/reconcile";
import { createAppServer } from "./http-server";
import { withPageSecurity } from "./page-security";

export interface RunningApp {
  ctx: AppContext;
  server: Server;
  url: string;
  close(): Promise<void>;
}

export interface StartOptions extends ContextOptions {
  /** Where to listen instead of HOST:PORT (a cluster's primary takes a loopback port). */
  listen?: { host: string; port: number };
  /** The URL the seeded demo endpoint reaches this app at; default: the listening port. */
  selfUrl?: string;
  /** A cluster's primary: requests arrive through workers, which append the real peer. */
  relayedByWorkers?: boolean;
}

/**
 * Opens the database, prepares the production Next.js build and listens on the configured
 * port. `database` lets a caller (tests) hand in one it already opened.
 */
export async function startApp(config: Config, opts: StartOptions = {}): Promise<RunningApp> {
  collectProcessMetrics();
  const ctx = await createAppContext(config, opts);
  installAppContext(ctx);
  // Loaded here, not at the top: cluster workers run this bundle too and never need Next.
  const { default: next } = await import("next");
  const app = next({ dev: false, dir: process.cwd(), hostname: config.host, port: config.port });
  await app.prepare();
  const server = createAppServer(ctx, withPageSecurity(ctx, app.getRequestHandler()), undefined, {
    relayedByWorkers: opts.relayedByWorkers,
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.listen?.port ?? config.port, opts.listen?.host ?? config.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  if (config.seedDemo) await seedDemo(ctx, opts.selfUrl ?? url);
  const stopReconciler = startReconciler(ctx);
  const stopRollups = startRollups(ctx.db);
  const metricsServer = await startMetricsServer(config.metrics);
  return {
    ctx,
    server,
    url,
    async close() {
      stopReconciler();
      stopRollups();
      metricsServer?.closeAllConnections();
      metricsServer?.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await app.close();
      await closeAppContext();
    },
  };
}
