import proxyAddr from "proxy-addr";
import { z } from "zod";
import { InvalidPostgresUrl, parsePostgresUrl } from "@/db/url";
import { LOG_LEVELS } from "@/lib/log/levels";

const booleanFlag = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

/** One host, or a failover pair (`h1:p1,h2:p2`) that a plain URL check would refuse. */
const postgresUrl = z.string().superRefine((value, ctx) => {
  try {
    parsePostgresUrl(value);
  } catch (err) {
    if (!(err instanceof InvalidPostgresUrl)) throw err;
    ctx.addIssue({ code: "custom", message: err.message });
  }
});

const limit = z.coerce.number().int().min(0).max(1_000_000);

/**
 * `*`, or origins (`https://app.example`, `http://localhost:5173`) as a browser sends them
 * in `Origin`: scheme, host and port only, normalised (lower-case host, no default port).
 */
const corsOrigins = z.string().transform((v, ctx): "*" | string[] => {
  const list = v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 1 && list[0] === "*") return "*";
  if (list.length === 0) {
    ctx.addIssue({ code: "custom", message: "lists no origin: use * or origins" });
    return z.NEVER;
  }
  const origins: string[] = [];
  for (const entry of list) {
    const url = URL.canParse(entry) ? new URL(entry) : undefined;
    const bare =
      url &&
      (url.protocol === "http:" || url.protocol === "https:") &&
      !url.username &&
      !url.password &&
      url.pathname === "/" &&
      !url.search &&
      !url.hash &&
      !entry.endsWith("/");
    if (!url || !bare) {
      ctx.addIssue({
        code: "custom",
        message: `"${entry}" is not an origin: use * alone, or http(s)://host[:port] entries separated by commas`,
      });
      return z.NEVER;
    }
    origins.push(url.origin);
  }
  return origins;
});

function validTrust(list: string[]): boolean {
  try {
    proxyAddr.compile(list);
    return true;
  } catch {
    return false;
  }
}

/** Every setting the product reads from the environment. Empty strings count as unset. */
export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(20),
  /** Defaults to DATA_DIR/pglite. */
  PGLITE_DIR: z.string().min(1).optional(),
  DATA_DIR: z.string().min(1).default(".data"),
  /** Loopback by default: reachable from other machines only when the operator says so. */
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  PUBLIC_URL: z.string().url().optional(),
  APP_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  NETWORK: z
    .string()
    .regex(/^eip155:\d+$/, "must be a CAIP-2 EVM network such as eip155:8453")
    .default("eip155:31337"),
  ALLOW_PGLITE_MAINNET: booleanFlag.default(false),
  /** The token packs are paid in; defaults to the network's USDC (or the devnet's token). */
  ASSET_ADDRESS: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address")
    .optional(),
  ASSET_NAME: z.string().min(1).optional(),
  /** JSON-RPC of the chain; unset on the devnet, which starts its own anvil. */
  RPC_URL: z.string().url().optional(),
  /** Run a local anvil for NETWORK's chain id with our test token (default: on eip155:31337). */
  DEVNET: booleanFlag.optional(),
  ANVIL_PORT: z.coerce.number().int().min(0).max(65535).default(8545),
  /** `local` settles with FACILITATOR_PRIVATE_KEY through RPC_URL; else a facilitator URL. */
  FACILITATOR: z.union([z.literal("local"), z.string().url()]).optional(),
  FACILITATOR_PRIVATE_KEY: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex private key")
    .optional(),
  FACILITATOR_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
  /** How often pending payments are reconciled with the chain. */
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
  ASSET_VERSION: z.string().min(1).optional(),
  SEED_DEMO: booleanFlag.optional(),
  /** Let origin URLs point at private addresses (default: only when reachable from nowhere else). */
  ALLOW_PRIVATE_ORIGINS: booleanFlag.optional(),
  /** The largest upload the gateway forwards, whatever an endpoint allows (bytes). */
  GATEWAY_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(100 * 2 ** 20),
  /** Gateway calls one wallet may have in flight per process; more → 429. */
  GATEWAY_WALLET_CONCURRENCY: z.coerce.number().int().min(1).max(100_000).default(64),
  /** Connections to its origin each endpoint may hold (per process). */
  GATEWAY_ORIGIN_CONNECTIONS: z.coerce.number().int().min(1).max(10_000).default(256),
  /** Off: every request goes through Next's pipeline (to compare the two doors). */
  FAST_PATHS: booleanFlag.default(true),
  /**
   * Gateway processes on the public port (node:cluster); `auto` = one per core on
   * PostgreSQL. PGlite is one process, so it always runs one.
   */
  WORKERS: z.union([z.literal("auto"), z.coerce.number().int().min(1).max(64)]).default("auto"),
  /** Lists WalletConnect in the connect menu; a Reown Cloud project id is public by design. */
  WALLETCONNECT_PROJECT_ID: z
    .string()
    .regex(/^[0-9a-f]{32}$/i, "must be the 32-character project id from cloud.reown.com")
    .optional(),
  /**
   * Reverse proxies whose X-Forwarded-For is believed (comma-separated addresses, CIDRs,
   * or `loopback`, `linklocal`, `uniquelocal`); unset: the TCP peer is the client.
   */
  TRUST_PROXY: z
    .string()
    .transform((v) =>
      v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .refine(validTrust, "must be addresses, CIDR ranges, loopback, linklocal or uniquelocal")
    .default([]),
  /** Origins whose pages may call the agent-facing API from a browser (CORS). */
  CORS_ORIGINS: corsOrigins.default("*"),
  /** Per-client (or per-payer) limits on unauthenticated writes, per window; 0 = off. */
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  RATE_LIMIT_NONCES: limit.default(120),
  RATE_LIMIT_SIGN_INS: limit.default(60),
  RATE_LIMIT_FAUCET: limit.default(30),
  RATE_LIMIT_PURCHASES: limit.default(30),
  RATE_LIMIT_PAYMENT_ATTEMPTS: limit.default(120),
  /** Live (not deleted) endpoints one provider may have. */
  MAX_ENDPOINTS_PER_PROVIDER: z.coerce.number().int().min(1).max(100_000).default(100),
  /** Set: GET /metrics on the public port answers callers presenting it as a bearer token. */
  METRICS_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{32,256}$/, "must be 32-256 printable characters without spaces")
    .optional(),
  /** Set: /metrics is served on this port only (not on PORT), on METRICS_HOST. */
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** Where METRICS_PORT listens; loopback unless the operator opens it. */
  METRICS_HOST: z.string().min(1).default("127.0.0.1"),
  /** The least severe log lines written (pino levels); `debug` and `trace` are verbose. */
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
});

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Parses the environment once. Throws a ConfigError whose message names the first bad
 * variable, so a start-up failure reads as one actionable line.
 */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const cleaned = Object.fromEntries(
    Object.entries(source).filter(([, v]) => v !== undefined && v !== ""),
  );
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = issue?.path.join(".") ?? "environment";
    throw new ConfigError(`${name}: ${issue?.message ?? "invalid value"}`);
  }
  return result.data;
}
