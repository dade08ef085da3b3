import { connect, type Socket } from "node:net";
import { Duplex } from "node:stream";
import postgres from "postgres";
import type { PostgresHost, PostgresUrl } from "./url";

/** How long a host may take to say whether it takes writes. */
const PROBE_TIMEOUT_MS = 2_000;

/**
 * Seconds postgres.js waits before reconnecting after a failed attempt. Its default grows
 * to 20 s, so a database that was away for a few seconds stayed away for tens of seconds
 * more; the ledger's breaker already keeps callers off a server that is down.
 */
export function reconnectBackoff(retries: number): number {
  return Math.min(0.05 * 2 ** retries, 1) * (0.5 + Math.random() / 2);
}

/**
 * Connections for a failover pair (several hosts), made by us rather than by postgres.js,
 * whose multi-host mode (3.4.9) is wrong twice: while no host takes writes it retries
 * forever, so a query never fails and the gateway cannot fail closed (porsager/postgres
 * #1174); and `target_session_attrs=read-write` accepts a hot standby on PostgreSQL ≥ 14
 * (it reads only default_transaction_read_only, which is off on a standby), so every write
 * fails with 25006. Instead the driver sees one host and gets its sockets from here: to the
 * host a probe found able to commit, or, with none, a stand-in that fails the connection
 * attempt at once (08001), so the caller hears "unavailable" instead of waiting. The driver
 * still checks the host it gets (`target_session_attrs=primary`) in case it was demoted
 * since the probe.
 */
export function primarySockets(url: PostgresUrl) {
  const probes = url.hosts.map((host) =>
    postgres(singleHost(url, host), {
      max: 1,
      connect_timeout: PROBE_TIMEOUT_MS / 1000,
      idle_timeout: 10,
      backoff: reconnectBackoff,
      fetch_types: false,
      onnotice: () => {},
    }),
  );
  let asking: Promise<PostgresHost | undefined> | undefined;

  // Able to commit: a primary, not read-only, and if it waits for a synchronous standby,
  // one is connected. The last rules out a crashed primary that its keeper restarted before
  // the failover demoted it: it takes connections, but every commit there would hang until
  // it is stopped (seen in test:ha: 3 s of 6.4 s calls), and would then be thrown away.
  const canCommit = async (i: number): Promise<PostgresHost> => {
    const probe = probes[i] as postgres.Sql;
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error("no answer")), PROBE_TIMEOUT_MS).unref(),
    );
    const [row] = await Promise.race([
      probe<{ ok: boolean }[]>`
        select not pg_is_in_recovery()
           and current_setting('transaction_read_only') = 'off'
           and (current_setting('synchronous_standby_names') = ''
                or exists (select 1 from pg_stat_replication)) as ok`,
      timeout,
    ]);
    if (!row?.ok) throw new Error("cannot commit");
    return url.hosts[i] as PostgresHost;
  };
  // One question at a time: every connection opening during a failover shares the answer.
  const findPrimary = () => {
    asking ??= Promise.any(url.hosts.map((_, i) => canCommit(i)))
      .catch(() => undefined)
      .finally(() => {
        asking = undefined;
      });
    return asking;
  };

  return {
    /** postgres.js's `socket` option: a connected socket to the primary, or a failing one. */
    async socket(): Promise<Socket> {
      const host = await findPrimary();
      if (!host) return failingSocket(`no host of ${url.label} can commit now`);
      try {
        return await connected(host);
      } catch (err) {
        return failingSocket(`${host.host}:${host.port}: ${(err as Error).message}`);
      }
    },
    async end(): Promise<void> {
      await Promise.all(probes.map((p) => p.end({ timeout: 1 })));
    },
  };
}

function connected(host: PostgresHost): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(host.port, host.host);
    socket.setTimeout(PROBE_TIMEOUT_MS, () => socket.destroy(new Error("connect timeout")));
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.setTimeout(0);
      socket.off("error", reject);
      resolve(Object.assign(socket, { host: host.host, port: host.port }));
    });
  });
}

/**
 * A stand-in socket that connects nowhere and fails (SQLSTATE 08001, unable to connect) on
 * the first bytes postgres.js writes: the driver rejects the waiting query with that error
 * and puts the connection back in its pool. Failing any earlier, while its first write is
 * still queued, leaves that queued write behind in the driver's connection, and every later
 * connection it makes hangs (seen in test:ha: 30 s timeouts after the new primary was up).
 */
function failingSocket(message: string): Socket {
  const error = Object.assign(new Error(message), { code: "08001" });
  const stream: Duplex = new Duplex({
    read() {},
    write(_chunk, _encoding, done) {
      done();
      stream.destroy(error);
    },
  });
  return stream as unknown as Socket;
}

/** The URL with one host and no `target_session_attrs` (the caller decides what to check). */
export function singleHost(url: PostgresUrl, host: PostgresHost): string {
  const single = new URL(url.withHost(host));
  single.searchParams.delete("target_session_attrs");
  return single.toString();
}
