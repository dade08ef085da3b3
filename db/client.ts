import { chmodSync, mkdirSync } from "node:fs";
import path from "node:path";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { primarySockets, reconnectBackoff, singleHost } from "./primary-socket";
import * as schema from "./schema";
import { type PostgresHost, parsePostgresUrl } from "./url";

export type Schema = typeof schema;
/** A database or a transaction: domain functions take either, so they compose. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export type DatabaseTarget =
  | { kind: "pglite"; dir?: string }
  | { kind: "postgres"; url: string; poolMax?: number };

export interface Database {
  db: Db;
  kind: DatabaseTarget["kind"];
  /** Where the data lives, safe to print (no password). */
  label: string;
  /**
   * Runs one SQL statement with positional parameters as a PREPARED statement where the
   * driver supports it (postgres.js): for the hot path, one round trip instead of two.
   */
  query<T>(text: string, params: unknown[]): Promise<T[]>;
  /** Subscribes to a NOTIFY channel; resolves to the unsubscribe function. */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const MIGRATIONS = path.join(process.cwd(), "drizzle");
/** Arbitrary, fixed: serialises migrations when several processes start at once. */
const MIGRATION_LOCK = 7_402_001;

/** Opens the database and brings its schema up to date. */
export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  return target.kind === "pglite" ? openPglite(target.dir) : openPostgres(target);
}

async function openPglite(dir: string | undefined): Promise<Database> {
  // Loaded on demand: a PostgreSQL deployment (and each of its workers) never pays for it.
  const [{ PGlite }, { drizzle: drizzlePglite }, { migrate: migratePglite }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("drizzle-orm/pglite"),
    import("drizzle-orm/pglite/migrator"),
  ]);
  if (dir) {
    // The database files hold sealed origin keys, sessions and the ledger: owner only,
    // also when the directory already existed with the umask's 0755.
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
  const client = dir ? new PGlite(dir) : new PGlite();
  await client.waitReady;
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder: MIGRATIONS });
  return {
    db: db as unknown as Db,
    kind: "pglite",
    label: dir ? `PGlite (embedded) at ${dir}` : "PGlite (in memory)",
    query: async <T>(text: string, params: unknown[]) => (await client.query<T>(text, params)).rows,
    listen: (channel, onMessage) => client.listen(channel, onMessage),
    close: () => client.close(),
  };
}

async function openPostgres(target: { url: string; poolMax?: number }): Promise<Database> {
  const driver = driverFor(target.url);
  const migrator = postgres(driver.url, { ...driver.options, max: 1 });
  try {
    await migrator`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await migratePostgres(drizzlePostgres(migrator), { migrationsFolder: MIGRATIONS });
    await migrator`select pg_advisory_unlock(${MIGRATION_LOCK})`;
  } catch (err) {
    await driver.end();
    throw err;
  } finally {
    await migrator.end();
  }
  const client = postgres(driver.url, { ...driver.options, max: target.poolMax ?? 20 });
  return {
    db: drizzlePostgres(client, { schema }) as unknown as Db,
    kind: "postgres",
    label: `PostgreSQL at ${parsePostgresUrl(target.url).label}`,
    query: async <T>(text: string, params: unknown[]) =>
      (await client.unsafe(text, params as postgres.ParameterOrJSON<never>[], {
        prepare: true,
      })) as unknown as T[],
    async listen(channel, onMessage) {
      const { unlisten } = await client.listen(channel, onMessage);
      return unlisten;
    },
    async close() {
      await client.end({ timeout: 5 });
      await driver.end();
    },
  };
}

/** postgres.js's URL and options for DATABASE_URL: one host as is, a failover pair by us. */
function driverFor(text: string) {
  const url = parsePostgresUrl(text);
  const options = { onnotice: () => {}, backoff: reconnectBackoff };
  if (url.hosts.length === 1) return { url: text, options, end: async () => {} };
  const sockets = primarySockets(url);
  return {
    url: singleHost(url, url.hosts[0] as PostgresHost),
    options: { ...options, socket: sockets.socket, target_session_attrs: "primary" as const },
    end: sockets.end,
  };
}

/** Rows of a raw `db.execute`, whichever driver ran it. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
