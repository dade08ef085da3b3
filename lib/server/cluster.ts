import cluster, { type Worker } from "node:cluster";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type AppContext, createAppContext } from "@/lib/app/context";
import type { Config } from "@/lib/config";
import { log } from "@/lib/log/logger";
import { answerMetricsRequests } from "@/lib/metrics/exposition";
import { collectProcessMetrics } from "@/lib/metrics/metrics";
import { findWorkerHotPath } from "./hot-paths";
import { createAppServer } from "./http-server";
import { proxyToPrimary } from "./primary-proxy";
import { type RunningApp, startApp } from "./start";

const PRIMARY_PORT_ENV = "X402_PRIMARY_PORT";
const STOP_GRACE_MS = 10_000;
const RESTART_DELAY_MS = 1_000;

/**
 * The primary of a cluster: the complete app (Next, purchases, the devnet, reconciler)
 * on a loopback port, plus `config.workers` worker processes that share the public port,
 * serve the debit-and-forward hot paths themselves and pass everything else here.
 */
export async function startPrimary(config: Config): Promise<RunningApp> {
  const app = await startApp(config, {
    listen: { host: "127.0.0.1", port: 0 },
    selfUrl: `http://127.0.0.1:${config.port}`,
    relayedByWorkers: true,
  });
  const env: Record<string, string> = {
    [PRIMARY_PORT_ENV]: String((app.server.address() as AddressInfo).port),
    // Workers join the chain the primary runs; they never start their own anvil.
    RPC_URL: app.ctx.chain.rpcUrl,
    // The operator's NODE_ENV (main() switches this process to production for Next).
    NODE_ENV: config.env,
  };
  let stopping = false;
  const fork = () =>
    new Promise<Worker>((resolve, reject) => {
      const worker = cluster.fork(env);
      worker.once("listening", () => resolve(worker));
      // After "listening" this rejection is a no-op; the cluster-wide handler restarts it.
      worker.once("exit", (code, signal) =>
        reject(new Error(`a worker exited while starting (${signal ?? `code ${code}`})`)),
      );
    });
  try {
    await Promise.all(Array.from({ length: config.workers }, fork));
  } catch (err) {
    stopping = true;
    await stopWorkers();
    await app.close();
    throw err;
  }
  // A crashed worker is replaced; its in-flight calls were charged or not, never both.
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) return;
    const pid = worker.process.pid;
    log().error(
      { workerPid: pid, code, signal },
      `worker ${pid} exited (${signal ?? `code ${code}`}); restarting`,
    );
    setTimeout(() => {
      if (!stopping) fork().catch((err: unknown) => log().error({ err }, "worker restart failed"));
    }, RESTART_DELAY_MS);
  });
  return {
    ...app,
    async close() {
      stopping = true;
      await stopWorkers();
      await app.close();
    },
  };
}

async function stopWorkers(): Promise<void> {
  const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          const kill = setTimeout(() => worker.process.kill("SIGKILL"), STOP_GRACE_MS);
          worker.once("exit", () => {
            clearTimeout(kill);
            resolve();
          });
          worker.process.kill("SIGTERM");
        }),
    ),
  );
}

/** A worker: the hot paths on the shared public port, the rest proxied to the primary. */
export async function startWorker(config: Config): Promise<void> {
  const primaryPort = Number(process.env[PRIMARY_PORT_ENV]);
  if (!Number.isInteger(primaryPort)) throw new Error(`${PRIMARY_PORT_ENV} is not set`);
  collectProcessMetrics();
  answerMetricsRequests();
  const ctx = await createAppContext(config);
  const server = createAppServer(ctx, proxyToPrimary(primaryPort), findWorkerHotPath);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, resolve);
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    ctx.draining = true;
    void closeWorker(ctx, server).finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  // Ctrl-C reaches every process of the group; the primary decides when workers stop.
  process.on("SIGINT", () => {});
  process.once("disconnect", stop);
}

async function closeWorker(ctx: AppContext, server: Server): Promise<void> {
  const closed = new Promise((resolve) => server.close(resolve));
  server.closeIdleConnections();
  await Promise.race([closed, new Promise((r) => setTimeout(r, STOP_GRACE_MS))]);
  ctx.refunds.stop();
  await ctx.endpoints.stop();
  await ctx.database.close();
}
