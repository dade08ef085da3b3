import { type Database, type Db, openDatabase } from "@/db";
import { type Config, loadConfig } from "@/lib/config";
import { seedDemo } from "@/lib/demo/seed";

/** Everything a request handler needs, built once per process. */
export interface AppContext {
  config: Config;
  database: Database;
  db: Db;
}

// Shared through globalThis, not module state: the custom server (loaded by tsx) and the
// Next.js bundle (loaded by Next) are separate module graphs in one process, and PGlite
// allows one open instance per data directory.
const KEY = Symbol.for("x402-credits.app-context");
type Holder = { [KEY]?: Promise<AppContext> };

/** The process's context, opening and migrating the database on first use. */
export function getAppContext(): Promise<AppContext> {
  const holder = globalThis as Holder;
  holder[KEY] ??= createSeededContext(loadConfig()).catch((err: unknown) => {
    delete holder[KEY];
    throw err;
  });
  return holder[KEY];
}

export async function createAppContext(config: Config, opened?: Database): Promise<AppContext> {
  const database =
    opened ??
    (await openDatabase(
      config.database.kind === "pglite"
        ? { kind: "pglite", dir: config.database.dir }
        : { kind: "postgres", url: config.database.url, poolMax: config.database.poolMax },
    ));
  return { config, database, db: database.db };
}

// `next dev` has no custom server: the first request builds the context, demo included.
async function createSeededContext(config: Config): Promise<AppContext> {
  const context = await createAppContext(config);
  if (config.seedDemo) await seedDemo(context, `http://127.0.0.1:${config.port}`);
  return context;
}

/** Makes an already-built context the process's own (the custom server builds it first). */
export function installAppContext(context: AppContext): void {
  (globalThis as Holder)[KEY] = Promise.resolve(context);
}

/** Closes the process's context (graceful shutdown); a later call opens a new one. */
export async function closeAppContext(): Promise<void> {
  const holder = globalThis as Holder;
  const pending = holder[KEY];
  delete holder[KEY];
  if (pending) await (await pending).database.close();
}
