import { mkdtempSync } from "node:fs";
import { createConnection, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDatabase } from "@/db";
import type { ContextOptions } from "@/lib/app/context";
import { loadConfig } from "@/lib/config";
import { startApp } from "@/lib/server/start";
import { openTestDatabase } from "./databases";

/**
 * A loopback TCP proxy to a real server that a test can cut, to see what the product does
 * when its database goes away mid-flight.
 */
export async function startTcpProxy(targetHost: string, targetPort: number) {
  const sockets = new Set<Socket>();
  const upstreams = new Map<Socket, Socket>();
  let cut = false;
  const server = createServer((client) => {
    if (cut) return client.destroy();
    const upstream = createConnection(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {});
    }
    upstreams.set(upstream, client);
    upstream.on("close", () => upstreams.delete(upstream));
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return {
    port,
    /**
     * From now on the server's answers are lost on the way back, while what the app sends
     * still arrives: a statement runs (and commits) but the app never hears of it.
     */
    loseAnswers() {
      for (const [upstream, client] of upstreams) {
        upstream.unpipe(client);
        upstream.resume();
      }
    },
    /** Drops every connection and refuses new ones. */
    cut() {
      cut = true;
      for (const s of sockets) s.destroy();
    },
    /** Drops every connection and stops listening: new ones get ECONNREFUSED, as from a dead server. */
    async down() {
      this.cut();
      await new Promise<void>((r) => server.close(() => r()));
    },
    async restore() {
      cut = false;
      if (!server.listening) await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    },
    close: () => new Promise<void>((r) => (server.listening ? server.close(() => r()) : r())),
  };
}

/**
 * The production app on a fresh PostgreSQL database that it reaches only through a TCP
 * proxy the test can cut; `direct` is a connection of the test's own that stays up.
 */
export async function startAppBehindDatabaseProxy(
  opts: { env?: Record<string, string>; context?: Omit<ContextOptions, "database"> } = {},
) {
  const direct = await openTestDatabase("postgres");
  const url = new URL(direct.url as string);
  const proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
  url.hostname = "127.0.0.1";
  url.port = String(proxy.port);
  const viaProxy = await openDatabase({ kind: "postgres", url: url.toString(), poolMax: 4 });
  const config = loadConfig({
    HOST: "127.0.0.1",
    SEED_DEMO: "false",
    NODE_ENV: "test",
    ANVIL_PORT: "0",
    DATA_DIR: mkdtempSync(path.join(tmpdir(), "x402-dbproxy-")),
    ...opts.env,
  });
  const app = await startApp({ ...config, port: 0 }, { ...opts.context, database: viaProxy });
  return {
    app,
    proxy,
    direct,
    async close() {
      proxy.restore();
      await app.close();
      await proxy.close();
      await direct.close();
    },
  };
}
