/**
 * Provider and buyer report queries at 1,000,000 ledger rows on real PostgreSQL (a scratch
 * database on the tests' server, TEST_DATABASE_URL). Prints the median and the slowest of 7
 * runs of each query. Target: each under 100 ms; the exit code is 1 when one is not.
 */
import { sql } from "drizzle-orm";
import { type Db, rowsOf } from "@/db";
import { activeWallets } from "@/lib/provider/active-wallets";
import { listCustomers } from "@/lib/provider/customers";
import { ledgerPage } from "@/lib/provider/ledger-page";
import { rollupUsage } from "@/lib/provider/rollup";
import { usageSeries } from "@/lib/provider/usage";
import { openTestDatabase } from "@/test/helpers/databases";

const ROWS = Number(process.env.BENCH_LEDGER_ROWS ?? 1_000_000);
const WALLETS = 10_000;

async function main() {
  const database = await openTestDatabase("postgres", { poolMax: 4 });
  const { db } = database;
  try {
    const started = Date.now();
    await seed(db);
    console.log(
      `seeded ${ROWS.toLocaleString()} ledger rows in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    const rollupStarted = Date.now();
    await rollupUsage(db);
    console.log(
      `first rollup of the whole history: ${((Date.now() - rollupStarted) / 1000).toFixed(1)} s (then once a minute, closed buckets only)`,
    );
    const wallet = walletOf(42);
    const now = new Date();
    const days = (n: number) => new Date(now.getTime() - n * 86_400_000);
    const queries: [string, () => Promise<unknown>][] = [
      [
        "usage, 7 days by day (provider)",
        () => usageSeries(db, { endpointId: 1, from: days(7), to: now, bucket: "day" }),
      ],
      [
        "usage, 48 h by hour (provider)",
        () => usageSeries(db, { endpointId: 1, from: days(2), to: now, bucket: "hour" }),
      ],
      [
        "usage, 30 days by day (provider)",
        () => usageSeries(db, { endpointId: 1, from: days(30), to: now, bucket: "day" }),
      ],
      ["active wallets, 7 days (provider)", () => activeWallets(db, 1, days(7))],
      ["customers, first page of 100", () => listCustomers(db, 1, 100)],
      ["ledger, first page of 100", () => ledgerPage(db, { endpointId: 1 }, 100)],
      [
        "ledger, page 50 (cursor)",
        () => ledgerPage(db, { endpointId: 1 }, 100, BigInt(ROWS - 5_000)),
      ],
      [
        "me: usage, 30 days (one wallet)",
        () => usageSeries(db, { endpointId: 1, wallet, from: days(30), to: now, bucket: "day" }),
      ],
      ["me: history, first page", () => ledgerPage(db, { endpointId: 1, wallet }, 100)],
    ];
    const rows: string[] = [];
    for (const [label, run] of queries) {
      const times: number[] = [];
      for (let i = 0; i < 7; i++) {
        const t = performance.now();
        await run();
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      const p50 = times[3] ?? 0;
      const p95 = times[6] ?? 0;
      rows.push(
        `| ${label.padEnd(34)} | ${p50.toFixed(1).padStart(8)} | ${p95.toFixed(1).padStart(8)} | ${p95 < 100 ? "ok  " : "SLOW"} |`,
      );
    }
    console.log(
      `${`\n| query (${(ROWS / 1e6).toFixed(1)} M ledger rows)`.padEnd(37)}| p50 ms   | max ms   | <100 |`,
    );
    console.log(`|${"-".repeat(36)}|----------|----------|------|`);
    for (const r of rows) console.log(r);
    if (rows.some((r) => r.includes("SLOW"))) process.exitCode = 1;
  } finally {
    await database.close();
  }
}

function walletOf(i: number): string {
  return `0x${i.toString(16).padStart(40, "0")}`;
}

/** 90 % of the rows on endpoint 1 over 30 days, the rest on endpoint 2; balances with totals. */
async function seed(db: Db) {
  await db.execute(sql`
    insert into endpoints (slug, name, owner_address, origin_url, pay_to, credits_per_call)
    values ('bench', 'Bench', ${walletOf(1)}, 'http://127.0.0.1:9', ${walletOf(1)}, 1),
           ('other', 'Other', ${walletOf(2)}, 'http://127.0.0.1:9', ${walletOf(2)}, 1)`);
  await db.execute(sql`
    insert into ledger_entries (endpoint_id, wallet, kind, delta, balance_after, reference, created_at)
    select case when i % 10 = 0 then 2 else 1 end,
           '0x' || lpad(to_hex(i % ${WALLETS}), 40, '0'),
           (case when i % 50 = 0 then 'purchase' when i % 97 = 0 then 'refund' else 'consume' end)::ledger_kind,
           case when i % 50 = 0 then 100 else (case when i % 97 = 0 then 1 else -1 end) end,
           1000, 'GET /bench',
           now() - (random() * interval '30 days')
    from generate_series(1, ${ROWS}) as i`);
  await db.execute(sql`
    insert into balances (endpoint_id, wallet, credits, purchased, consumed, calls, last_call_at, updated_at)
    select endpoint_id, wallet, 1000,
           coalesce(sum(delta) filter (where kind = 'purchase'), 0),
           coalesce(-sum(delta) filter (where kind = 'consume'), 0),
           count(*) filter (where kind = 'consume'), max(created_at), max(created_at)
    from ledger_entries group by 1, 2`);
  await db.execute(sql`analyze`);
  const [count] = rowsOf<{ n: string }>(
    await db.execute(sql`select count(*) as n from ledger_entries`),
  );
  if (Number(count?.n) !== ROWS) throw new Error("seed mismatch");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
