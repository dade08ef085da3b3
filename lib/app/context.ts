import { type Database, type Db, openDatabase } from "@/db";
import { type Config, loadConfig } from "@/lib/config";
import { SecretBox } from "@/lib/crypto/secret-box";
import { seedDemo } from "@/lib/demo/seed";
import { EndpointCache } from "@/lib/endpoints/cache";
import { OriginDispatchers } from "@/lib/gateway/dispatchers";
import { WalletSlots } from "@/lib/gateway/wallet-slots";
import { Breaker, DebitBatcher, preparedRunner } from "@/lib/ledger";
import { databaseIdentity, RefundKeeper } from "@/lib/ledger/refund-keeper";
import type { ResolveAll } from "@/lib/net/guarded-connect";
import { startReconciler } from "@/lib/purchase/reconcile";
import { RateLimits } from "@/lib/rate-limit/limits";
import { type ChainRuntime, startChainRuntime } from "@/lib/x402/chain-runtime";
import type { Facilitator } from "@/lib/x402/facilitator";
import type { PaymentSettings } from "@/lib/x402/settings";

/** Everything a request handler needs, built once per process. */
export interface AppContext {
  config: Config;
  database: Database;
  db: Db;
  box: SecretBox;
  endpoints: EndpointCache;
  debits: DebitBatcher;
  /** Opens for a moment when the database is unreachable, so the gateway fails fast. */
  ledgerBreaker: Breaker;
  payments: PaymentSettings;
  chain: ChainRuntime;
  /** Connection pools to origins, one per endpoint, checked against SSRF. */
  origins: OriginDispatchers;
  /** Gateway calls in flight per wallet (GATEWAY_WALLET_CONCURRENCY). */
  walletSlots: WalletSlots;
  /** How origin host names are resolved (DNS unless a test hands in its own). */
  resolveOrigin?: ResolveAll;
  /** Limits on unauthenticated writes, counted in the database (shared by all processes). */
  limits: RateLimits;
  /** Gateway refunds, kept on disk while the ledger is unreachable. */
  refunds: RefundKeeper;
  /** Set on SIGTERM: /readyz answers 503 so that load balancers stop sending traffic. */
  draining: boolean;
}

export interface ContextOptions {
  /** An already-open database (tests); else opened from the config. */
  database?: Database;
  /** Wraps the facilitator (tests simulate outages and timeouts with it). */
  wrapFacilitator?: (real: Facilitator) => Facilitator;
  /** Resolves origin host names instead of DNS (tests play DNS rebinding with it). */
  resolveOrigin?: ResolveAll;
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

export async function createAppContext(
  config: Config,
  opts: ContextOptions = {},
): Promise<AppContext> {
  const chain = await startChainRuntime(config);
  if (opts.wrapFacilitator) chain.facilitator = opts.wrapFacilitator(chain.facilitator);
  const database =
    opts.database ??
    (await openDatabase(
      config.database.kind === "pglite"
        ? { kind: "pglite", dir: config.database.dir }
        : { kind: "postgres", url: config.database.url, poolMax: config.database.poolMax },
    ));
  const box = new SecretBox(config.appSecret);
  const endpoints = new EndpointCache(database, box);
  await endpoints.start();
  const refunds = new RefundKeeper(database.db, config.dataDir, databaseIdentity(config.database));
  refunds.start();
  return {
    config,
    database,
    db: database.db,
    box,
    endpoints,
    debits: new DebitBatcher(preparedRunner(database)),
    ledgerBreaker: new Breaker(),
    payments: chain.payments,
    chain,
    origins: new OriginDispatchers({
      connectionsPerEndpoint: config.gateway.connectionsPerEndpoint,
      resolve: opts.resolveOrigin,
    }),
    walletSlots: new WalletSlots(config.gateway.walletConcurrency),
    resolveOrigin: opts.resolveOrigin,
    limits: new RateLimits(database.db, config.rateLimits),
    refunds,
    draining: false,
  };
}

// `next dev` has no custom server: the first request builds the context, demo included.
async function createSeededContext(config: Config): Promise<AppContext> {
  const context = await createAppContext(config);
  if (config.seedDemo) await seedDemo(context, `http://127.0.0.1:${config.port}`);
  startReconciler(context);
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
  if (!pending) return;
  const context = await pending;
  context.refunds.stop();
  await context.endpoints.stop();
  await context.origins.close();
  await context.database.close();
  await context.chain.stop();
}
