import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import type { LogLevel } from "@/lib/log/levels";
import { isLoopbackHost } from "@/lib/net/address-policy";
import type { RateLimitSettings } from "@/lib/rate-limit/limits";
import { ConfigError, type Env, parseEnv } from "./env";

/**
 * `WORKERS=auto` stops here: each process opens up to DATABASE_POOL_MAX connections, and
 * PostgreSQL's default max_connections is 100.
 */
const AUTO_WORKERS_MAX = 4;

/** An endpoint's upload limit when it sets none (capped by GATEWAY_MAX_BODY_BYTES). */
const DEFAULT_ENDPOINT_BODY_BYTES = 10 * 2 ** 20;

/** Chains whose tokens carry no real value; anything else is treated as real money. */
const TEST_NETWORKS = new Set(["eip155:31337", "eip155:84532", "eip155:11155111"]);

export type DatabaseConfig =
  | { kind: "pglite"; dir: string }
  | { kind: "postgres"; url: string; poolMax: number };

export interface Config {
  env: Env["NODE_ENV"];
  database: DatabaseConfig;
  dataDir: string;
  host: string;
  port: number;
  publicUrl: string;
  appSecret: string;
  network: string;
  /** An explicit payment token; else the network's USDC, or on the devnet its own token. */
  asset?: { address: `0x${string}`; name?: string; version?: string };
  seedDemo: boolean;
  fastPaths: boolean;
  /** Gateway processes on the public port; above 1 the app runs as a node:cluster. */
  workers: number;
  /**
   * Reachable from other machines: listening beyond loopback, or published at a public URL
   * (a reverse proxy on this host). Private origins and the demo's public key are then off.
   */
  reachableFromNetwork: boolean;
  allowPrivateOrigins: boolean;
  gateway: GatewayLimits;
  /** Set: the dashboard offers WalletConnect. */
  walletConnectProjectId?: string;
  /** Reverse proxies whose X-Forwarded-For is believed (proxy-addr trust list). */
  trustProxy: string[];
  /** Origins allowed to read the agent-facing API from a browser: `*` or exact origins. */
  corsOrigins: "*" | string[];
  rateLimits: RateLimitSettings;
  maxEndpointsPerProvider: number;
  chain: ChainConfig;
  metrics: MetricsAccess;
  logLevel: LogLevel;
}

/**
 * Where /metrics is served: on its own port (`port`, on `host`), else on the public port to
 * bearers of `token`, else nowhere (404). With both, the own port also wants the token.
 */
export interface MetricsAccess {
  token?: string;
  port?: number;
  host: string;
}

export interface GatewayLimits {
  /** The operator's cap on any upload, bytes. */
  maxBodyBytes: number;
  /** The limit of an endpoint that sets none. */
  defaultBodyBytes: number;
  walletConcurrency: number;
  connectionsPerEndpoint: number;
}

export interface ChainConfig {
  /** A local anvil this process starts, with our test token deployed. */
  devnet: boolean;
  rpcUrl?: string;
  anvilPort: number;
  facilitator: { kind: "local"; privateKey?: `0x${string}` } | { kind: "remote"; url: string };
  facilitatorTimeoutMs: number;
  reconcileIntervalMs: number;
}

const PUBLIC_FACILITATOR = "https://x402.org/facilitator";

export function isTestNetwork(network: string): boolean {
  return TEST_NETWORKS.has(network);
}

/**
 * Builds the runtime configuration from the environment. Embedded mode (no DATABASE_URL)
 * gets safe defaults, including a secret generated once and kept under DATA_DIR; a real
 * database in production must be given APP_SECRET, and real money never runs on PGlite
 * (it does not fsync) unless ALLOW_PGLITE_MAINNET says so.
 */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const env = parseEnv(source);
  const dataDir = path.resolve(env.DATA_DIR);
  const database: DatabaseConfig = env.DATABASE_URL
    ? { kind: "postgres", url: env.DATABASE_URL, poolMax: env.DATABASE_POOL_MAX }
    : { kind: "pglite", dir: env.PGLITE_DIR ? path.resolve(env.PGLITE_DIR) : `${dataDir}/pglite` };

  if (database.kind === "pglite" && !isTestNetwork(env.NETWORK) && !env.ALLOW_PGLITE_MAINNET) {
    throw new ConfigError(
      `NETWORK: ${env.NETWORK} moves real money and needs DATABASE_URL (PGlite does not fsync); set ALLOW_PGLITE_MAINNET=true to override`,
    );
  }
  if (database.kind === "pglite" && typeof env.WORKERS === "number" && env.WORKERS > 1) {
    throw new ConfigError(
      "WORKERS: PGlite allows one process; set DATABASE_URL to run more than one worker",
    );
  }
  if (!env.APP_SECRET && env.NODE_ENV === "production" && database.kind === "postgres") {
    throw new ConfigError("APP_SECRET: required in production with DATABASE_URL");
  }

  if (env.METRICS_PORT === env.PORT) {
    throw new ConfigError("METRICS_PORT: must differ from PORT (metrics get a port of their own)");
  }
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, "");
  const reachableFromNetwork =
    !isLoopbackHost(env.HOST) || !isLoopbackHost(new URL(publicUrl).hostname);
  return {
    env: env.NODE_ENV,
    database,
    dataDir,
    host: env.HOST,
    port: env.PORT,
    publicUrl,
    appSecret: env.APP_SECRET ?? embeddedSecret(dataDir),
    network: env.NETWORK,
    asset: env.ASSET_ADDRESS
      ? {
          address: env.ASSET_ADDRESS as `0x${string}`,
          name: env.ASSET_NAME,
          version: env.ASSET_VERSION,
        }
      : undefined,
    seedDemo: env.SEED_DEMO ?? database.kind === "pglite",
    fastPaths: env.FAST_PATHS,
    // Workers only pay off on the fast door: without it every request goes to Next anyway.
    workers:
      database.kind === "pglite" || !env.FAST_PATHS
        ? 1
        : env.WORKERS === "auto"
          ? Math.min(availableParallelism(), AUTO_WORKERS_MAX)
          : env.WORKERS,
    reachableFromNetwork,
    allowPrivateOrigins: env.ALLOW_PRIVATE_ORIGINS ?? !reachableFromNetwork,
    gateway: {
      maxBodyBytes: env.GATEWAY_MAX_BODY_BYTES,
      defaultBodyBytes: Math.min(DEFAULT_ENDPOINT_BODY_BYTES, env.GATEWAY_MAX_BODY_BYTES),
      walletConcurrency: env.GATEWAY_WALLET_CONCURRENCY,
      connectionsPerEndpoint: env.GATEWAY_ORIGIN_CONNECTIONS,
    },
    walletConnectProjectId: env.WALLETCONNECT_PROJECT_ID,
    trustProxy: env.TRUST_PROXY,
    corsOrigins: env.CORS_ORIGINS,
    rateLimits: {
      windowSeconds: env.RATE_LIMIT_WINDOW_SECONDS,
      nonces: env.RATE_LIMIT_NONCES,
      signIns: env.RATE_LIMIT_SIGN_INS,
      faucet: env.RATE_LIMIT_FAUCET,
      purchases: env.RATE_LIMIT_PURCHASES,
      paymentAttempts: env.RATE_LIMIT_PAYMENT_ATTEMPTS,
    },
    maxEndpointsPerProvider: env.MAX_ENDPOINTS_PER_PROVIDER,
    chain: chainConfig(env),
    metrics: { token: env.METRICS_TOKEN, port: env.METRICS_PORT, host: env.METRICS_HOST },
    logLevel: env.LOG_LEVEL,
  };
}

function embeddedSecret(dataDir: string): string {
  const file = path.join(dataDir, "app-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return secret;
}

function chainConfig(env: Env): ChainConfig {
  const devnet = env.DEVNET ?? env.NETWORK === "eip155:31337";
  const wanted = env.FACILITATOR ?? (devnet ? "local" : PUBLIC_FACILITATOR);
  if (wanted === "local" && !devnet && !env.FACILITATOR_PRIVATE_KEY) {
    throw new ConfigError(
      "FACILITATOR_PRIVATE_KEY: required with FACILITATOR=local off the devnet",
    );
  }
  if (!devnet && !env.RPC_URL) {
    throw new ConfigError(
      `RPC_URL: required on ${env.NETWORK} (used to settle and reconcile payments)`,
    );
  }
  return {
    devnet,
    rpcUrl: env.RPC_URL,
    anvilPort: env.ANVIL_PORT,
    facilitator:
      wanted === "local"
        ? { kind: "local", privateKey: env.FACILITATOR_PRIVATE_KEY as `0x${string}` | undefined }
        : { kind: "remote", url: wanted },
    facilitatorTimeoutMs: env.FACILITATOR_TIMEOUT_MS,
    reconcileIntervalMs: env.RECONCILE_INTERVAL_MS,
  };
}
