import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { type Database, rowsOf } from "@/db/client";
import { creditPacks, endpoints } from "@/db/schema";
import { credit } from "@/lib/ledger";
import { commOf } from "./procs";

export function randomWallet(): string {
  return `0x${randomBytes(20).toString("hex")}`;
}

/** A gateway endpoint (1 credit per call, one pack) forwarding to `originUrl`. */
export async function createEndpoint(
  database: Database,
  slug: string,
  originUrl: string,
): Promise<number> {
  const [row] = await database.db
    .insert(endpoints)
    .values({
      slug,
      name: slug,
      ownerAddress: randomWallet(),
      originUrl,
      payTo: randomWallet(),
      creditsPerCall: 1n,
    })
    .returning({ id: endpoints.id });
  if (!row) throw new Error(`endpoint ${slug} not created`);
  await database.db.insert(creditPacks).values({
    endpointId: row.id,
    id: "starter",
    name: "Starter",
    credits: 100n,
    priceAtomic: 1_000_000n,
  });
  return row.id;
}

/**
 * Grants `credits` to each wallet on the endpoint with `credit()`, in transactions of
 * `perTransaction` grants (one commit each, not one per wallet), `parallel` at a time.
 */
export async function fundWallets(
  database: Database,
  endpointId: number,
  wallets: readonly string[],
  credits: bigint,
  { perTransaction = 250, parallel = 8 } = {},
): Promise<void> {
  const chunks: string[][] = [];
  for (let i = 0; i < wallets.length; i += perTransaction) {
    chunks.push(wallets.slice(i, i + perTransaction));
  }
  const worker = async () => {
    for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
      const batch = chunk;
      await database.db.transaction(async (tx) => {
        for (const wallet of batch)
          await credit(tx, { endpointId, wallet, credits, kind: "grant" });
      });
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** Net credits the endpoint's calls consumed: Σ −delta of `consume` minus Σ `refund`. */
export async function creditsDebited(database: Database, endpointId: number): Promise<bigint> {
  const [row] = rowsOf<{ consumed: string | null; refunded: string | null }>(
    await database.db.execute(sql`
      select sum(-delta) filter (where kind = 'consume') as consumed,
             sum(delta) filter (where kind = 'refund') as refunded
      from ledger_entries where endpoint_id = ${endpointId}
    `),
  );
  return BigInt(row?.consumed ?? 0) - BigInt(row?.refunded ?? 0);
}

/** PIDs of the PostgreSQL backends connected to the database, when they run on this machine. */
export async function backendPids(database: Database): Promise<number[]> {
  const rows = rowsOf<{ pid: number }>(
    await database.db.execute(
      sql`select pid from pg_stat_activity where datname = current_database()`,
    ),
  );
  return rows.map((row) => Number(row.pid)).filter((pid) => commOf(pid) === "postgres");
}
