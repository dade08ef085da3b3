import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ConfigError, type Env, parseEnv } from "./env";

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
}

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
    : { kind: "pglite", dir: path.resolve(env.PGLITE_DIR) };

  if (database.kind === "pglite" && !isTestNetwork(env.NETWORK) && !env.ALLOW_PGLITE_MAINNET) {
    throw new ConfigError(
      `NETWORK: ${env.NETWORK} moves real money and needs DATABASE_URL (PGlite does not fsync); set ALLOW_PGLITE_MAINNET=true to override`,
    );
  }
  if (!env.APP_SECRET && env.NODE_ENV === "production" && database.kind === "postgres") {
    throw new ConfigError("APP_SECRET: required in production with DATABASE_URL");
  }

  return {
    env: env.NODE_ENV,
    database,
    dataDir,
    host: env.HOST,
    port: env.PORT,
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ""),
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
  };
}

function embeddedSecret(dataDir: string): string {
  const file = path.join(dataDir, "app-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return secret;
}
