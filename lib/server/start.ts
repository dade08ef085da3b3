import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import next from "next";
import {
  type AppContext,
  type ContextOptions,
  closeAppContext,
  createAppContext,
  installAppContext,
} from "@/lib/app/context";
import type { Config } from "@/lib/config";
import { seedDemo } from "@/lib/demo/seed";
import { startRollups } from "@/lib/provider/rollup";
import { startReconciler } from "@/lib/purchase/reconcile";
import { createAppServer } from "./http-server";

export interface RunningApp {
  ctx: AppContext;
  server: Server;
  url: string;
  close(): Promise<void>;
}

/**
 * Opens the database, prepares the production Next.js build and listens on the configured
 * port. `database` lets a caller (tests) hand in one it already opened.
 */
export async function startApp(config: Config, opts: ContextOptions = {}): Promise<RunningApp> {
  const ctx = await createAppContext(config, opts);
  installAppContext(ctx);
  const app = next({ dev: false, dir: process.cwd(), hostname: config.host, port: config.port });
  await app.prepare();
  const server = createAppServer(ctx, app.getRequestHandler());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  if (config.seedDemo) await seedDemo(ctx, url);
  const stopReconciler = startReconciler(ctx);
  const stopRollups = startRollups(ctx.db);
  return {
    ctx,
    server,
    url,
    async close() {
      stopReconciler();
      stopRollups();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await app.close();
      await closeAppContext();
    },
  };
}
