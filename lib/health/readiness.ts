import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { AppContext } from "@/lib/app/context";

/** Each probe of a dependency gives up after this long: a hung database is not ready. */
const CHECK_TIMEOUT_MS = 1_000;
/** Probes of the dependencies are shared for this long: polling every second costs one. */
const CACHE_MS = 1_000;

export type CheckResult = "ok" | "unreachable" | "timeout" | "behind" | "wrong_chain" | "draining";

export interface Readiness {
  ready: boolean;
  checks: {
    database: CheckResult;
    migrations: CheckResult;
    chain: CheckResult;
    draining: CheckResult;
  };
}

type Dependencies = Omit<Readiness["checks"], "draining">;

const journalSchema = z.object({ entries: z.array(z.object({ when: z.number() })).min(1) });

let newest: number | undefined;

/** When the newest migration this build ships was generated (drizzle records it on apply). */
function newestMigration(): number {
  if (newest !== undefined) return newest;
  const file = path.join(process.cwd(), "drizzle", "meta", "_journal.json");
  const { entries } = journalSchema.parse(JSON.parse(readFileSync(file, "utf8")));
  newest = Math.max(...entries.map((e) => e.when));
  return newest;
}

const probes = new WeakMap<AppContext, { at: number; result: Promise<Dependencies> }>();

/**
 * Whether this process should get traffic: its own database pool answers and carries this
 * build's migrations, the chain RPC answers with the configured chain, and it is not
 * draining. Dependency probes are cached for a second; draining is read live.
 */
export async function readiness(ctx: AppContext): Promise<Readiness> {
  let probe = probes.get(ctx);
  if (!probe || performance.now() - probe.at > CACHE_MS) {
    probe = { at: performance.now(), result: probeDependencies(ctx) };
    probes.set(ctx, probe);
  }
  const checks = { ...(await probe.result), draining: ctx.draining ? "draining" : "ok" } as const;
  return { ready: Object.values(checks).every((c) => c === "ok"), checks };
}

async function probeDependencies(ctx: AppContext): Promise<Dependencies> {
  const [database, chain] = await Promise.all([
    timed(
      ctx.database.query<{ created_at: string | number | null }>(
        "select max(created_at) as created_at from drizzle.__drizzle_migrations",
        [],
      ),
    ),
    timed(ctx.chain.publicClient.getChainId()),
  ]);
  const applied = typeof database === "string" ? undefined : Number(database[0]?.created_at ?? 0);
  return {
    database: typeof database === "string" ? database : "ok",
    migrations:
      applied === undefined ? "unreachable" : applied >= newestMigration() ? "ok" : "behind",
    chain:
      typeof chain === "string" ? chain : chain === ctx.payments.chainId ? "ok" : "wrong_chain",
  };
}

/** The value, or why there is none: no library's error text reaches the answer. */
async function timed<T>(work: Promise<T>): Promise<T | "unreachable" | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work.catch(() => "unreachable" as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
