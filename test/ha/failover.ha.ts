import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "@/db";
import { SecretBox } from "@/lib/crypto/secret-box";
import { checkLedger, type LedgerReport } from "@/lib/ledger";
import { freeLoopbackPort } from "@/lib/net/free-port";
import { type AppProcess, startAppProcess } from "@/test/helpers/app-process";
import { createEndpoint, fundedWallet } from "@/test/helpers/endpoints";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import { newAccount } from "@/test/helpers/payments";
import { gatewayAccounting, purchaseAccounting } from "./accounting";
import { type Formation, startFormation } from "./formation";
import { gatewayLoad, purchaseLoad } from "./load";
import { failoverReport, outageFigures } from "./report";
import { noWriterSpan, watchWritable, writerTimeline } from "./writable-probe";

const APP_SECRET = "ha-test-secret-ha-test-secret-ha-test-secret";
const WARM_UP_MS = 5_000;
/** Load kept on after the gateway serves again, to see it stays up. */
const AFTER_RECOVERY_MS = 8_000;
/** The app is given at most this long to serve again once a primary accepts writes. */
const RECOVERY_DEADLINE_MS = 60_000;

// `npm run test:ha`: the production start command (a cluster, WORKERS=2) on a
// pg_auto_failover pair; the primary's postmaster is SIGKILLed under load.
describe("PostgreSQL failover under load (pg_auto_failover)", { timeout: 600_000 }, () => {
  const log = (line: string) =>
    console.log(`[ha ${new Date().toISOString().slice(11, 23)}] ${line}`);
  const dataDir = mkdtempSync(path.join(tmpdir(), "x402-ha-app-"));
  let formation: Formation;
  let origin: Origin;
  let app: AppProcess;
  let appEnv: Record<string, string>;
  let url = "";

  beforeAll(async () => {
    const started = Date.now();
    formation = await startFormation(log);
    log(`formation up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${formation.url}`);
    origin = await startOrigin();
    const port = await freeLoopbackPort();
    url = `http://127.0.0.1:${port}`;
    appEnv = {
      NODE_ENV: "production",
      APP_SECRET,
      DATABASE_URL: formation.url,
      DATABASE_POOL_MAX: "10",
      WORKERS: "2",
      PORT: String(port),
      HOST: "127.0.0.1",
      PUBLIC_URL: url,
      DATA_DIR: dataDir,
      ANVIL_PORT: "0",
      SEED_DEMO: "false",
      // The reconciler finishes purchases whose outcome the outage hid; quickly here.
      RECONCILE_INTERVAL_MS: "1000",
      FACILITATOR_TIMEOUT_MS: "5000",
    };
    app = await startAppProcess(appEnv);
    log(`app up (npm start, WORKERS=2) in ${((Date.now() - started) / 1000).toFixed(1)} s total`);
  }, 900_000);

  afterAll(async () => {
    await app?.stop();
    await origin?.close();
    await formation?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("SIGKILL of the primary's postmaster: fails closed, serves again without a restart, loses nothing", async () => {
    const db = await openDatabase({ kind: "postgres", url: formation.url, poolMax: 4 });
    const ctx = { db: db.db, box: new SecretBox(APP_SECRET) };
    const endpoint = await createEndpoint(ctx, origin.url, { slug: "ha", creditsPerCall: 1n });
    const wallets = await Promise.all(
      Array.from({ length: 64 }, () => fundedWallet(ctx, endpoint.id, 1_000_000n)),
    );
    const config = (await (await fetch(`${url}/api/config`)).json()) as {
      network: string;
      rpcUrl: string;
      asset: { address: Address };
    };
    const buyers = [newAccount(), newAccount(), newAccount()];
    for (const buyer of buyers) {
      const minted = await fetch(`${url}/api/dev/faucet`, {
        method: "POST",
        body: JSON.stringify({ address: buyer.address, amount: "500" }),
      });
      expect(minted.status).toBe(200);
    }
    await db.close();

    const probe = watchWritable(formation.nodes, formation.nodeUrl);
    const gateway = gatewayLoad({ url, slug: "ha", wallets, concurrency: 8, pauseMs: 5 });
    const purchases = purchaseLoad({
      purchaseUrl: `${url}/api/credits/purchase?endpoint=ha&pack=starter`,
      buyers,
      network: config.network,
      asset: config.asset.address,
      pauseMs: 100,
    });
    await sleep(WARM_UP_MS);
    const victim = await formation.primary();
    if (!victim) throw new Error("no primary before the kill");
    const killedAt = Date.now();
    const pid = formation.killPostmaster(victim);
    log(`SIGKILL → postmaster ${pid} of ${victim.name} (the primary)`);

    // Promoted = the monitor reports another node as primary. Serving again = a gateway 2xx
    // for a call that started once no node took writes (the dying primary may still commit
    // a batch or two in its last milliseconds).
    let promoted: string | undefined;
    let recoveredAt: number | undefined;
    for (const deadline = Date.now() + RECOVERY_DEADLINE_MS; Date.now() < deadline; ) {
      promoted ??= (await formation.states().catch(() => []))
        .filter((n) => n.name !== victim.name)
        .find((n) => ["wait_primary", "primary"].includes(n.reported))?.name;
      const down = noWriterSpan(probe.samples, killedAt)?.start;
      recoveredAt = down
        ? gateway.records.find((r) => r.started > down && r.status === 200)?.ended
        : undefined;
      if (promoted && recoveredAt) break;
      await sleep(100);
    }
    log(
      `gateway serving again: ${recoveredAt ? `${(recoveredAt - killedAt) / 1000} s after the kill` : "NO"}`,
    );
    await sleep(AFTER_RECOVERY_MS);
    await gateway.stop();
    await purchases.stop();
    await probe.stop();
    const outage = noWriterSpan(probe.samples, killedAt, promoted);
    const timeline = writerTimeline(probe.samples, killedAt);

    // The new primary, directly (no failover logic of ours in the way), once the
    // reconciler has finished what the outage left pending.
    const newPrimary = formation.nodes.find((n) => n.name === promoted);
    const direct: Database = await openDatabase({
      kind: "postgres",
      url: formation.nodeUrl(newPrimary ?? victim),
      poolMax: 2,
    });
    const stillPending = async () =>
      Number(
        (
          await direct.query<{ n: string }>(
            "select count(*) as n from payments where status = 'pending'",
            [],
          )
        )[0]?.n ?? 0,
      );
    for (
      const deadline = Date.now() + 60_000;
      (await stillPending()) > 0 && Date.now() < deadline;
    )
      await sleep(500);

    const ledger: LedgerReport = await checkLedger(direct.db);
    const gatewayBooks = await gatewayAccounting(
      direct.db,
      endpoint.id,
      gateway.records,
      origin.seen.map((s) => s.url),
    );
    const starter = 100n; // test/helpers/endpoints.ts: the "starter" pack
    const purchaseBooks = await purchaseAccounting({
      db: direct.db,
      endpointId: endpoint.id,
      records: purchases.records,
      rpcUrl: config.rpcUrl,
      asset: config.asset.address,
      payTo: endpoint.payTo as Address,
      packCredits: starter,
    });
    await direct.close();
    const appLog = path.join(tmpdir(), "x402-ha-app.log");
    writeFileSync(appLog, app.output());
    log(`the app's output is in ${appLog}`);
    const states = await formation.states().catch(() => []);

    const figures = outageFigures({
      killedAt,
      outage,
      recoveredAt,
      gateway: gateway.records,
      purchases: purchases.records,
    });
    console.log(
      failoverReport({
        victim: victim.name,
        promoted,
        timeline,
        figures,
        gatewayBooks,
        purchaseBooks,
        ledger,
        states,
        appRestarted: !app.running(),
        workerExits: app.output().match(/worker \d+ exited[^\n]*/g) ?? [],
      }),
    );

    // Every invariant is checked and reported, and any that fails fails the test.
    expect.soft(promoted, "a standby was promoted").toBeDefined();
    expect.soft(recoveredAt, "the gateway serves again without a restart").toBeDefined();
    expect.soft(app.running(), "the app never exited").toBe(true);
    expect.soft(figures.servedWithoutWriter, "no 2xx while no primary accepted writes").toBe(0);
    expect.soft(figures.gatewayHangs, "refusals are fast: no call waited past 5 s").toBe(0);
    expect.soft(gatewayBooks.chargedNotServed.length, "no call charged and not served").toBe(0);
    expect.soft(gatewayBooks.servedNotCharged.length, "no call served free").toBe(0);
    expect.soft(gatewayBooks.doubleCharged.length, "no call charged twice").toBe(0);
    expect.soft(gatewayBooks.wrongAnswer.length, "answers match what happened").toBe(0);
    expect.soft(purchaseBooks.answeredNotCredited.length, "200/202 credited once").toBe(0);
    expect.soft(purchaseBooks.answeredNotPaid.length, "200/202 paid on chain").toBe(0);
    expect.soft(purchaseBooks.refusedButPaid.length, "402 not paid on chain").toBe(0);
    expect.soft(purchaseBooks.buyerMismatches, "credits = transfers on chain").toEqual([]);
    expect.soft(purchaseBooks.paymentsMiscredited, "each transfer credited once").toEqual([]);
    expect.soft(purchaseBooks.stillPending, "nothing left pending").toBe(0);
    expect.soft(ledger.ok, "checkLedger clean on the new primary").toBe(true);
  });

  // The killed node comes back as a standby, listed FIRST in DATABASE_URL: every new
  // connection (a restart, a replaced worker, a bigger pool) must still find the primary.
  it("after the old primary rejoins as a standby, a restarted app migrates and serves", async () => {
    const rejoined = Date.now();
    const states = await formation.waitStable(180_000);
    log(
      `formation stable again after ${((Date.now() - rejoined) / 1000).toFixed(1)} s more: ${states.map((n) => `${n.name} ${n.reported}`).join(", ")}`,
    );
    const exitCode = await app.stop();
    expect.soft(exitCode, "SIGTERM stops the app cleanly").toBe(0);
    app = await startAppProcess(appEnv);
    const db = await openDatabase({ kind: "postgres", url: formation.url, poolMax: 2 });
    const [where] = await db.query<{ standby: boolean }>(
      "select pg_is_in_recovery() as standby",
      [],
    );
    const wallet = await fundedWallet({ db: db.db }, (await endpointId(db, "ha")) ?? 0, 100n);
    await db.close();
    const statuses = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const res = await fetch(`${url}/e/ha/c/after-${i}`, {
          headers: { "x-wallet-address": wallet },
        });
        await res.arrayBuffer();
        return res.status;
      }),
    );
    log(
      `after the restart: DATABASE_URL reaches a ${where?.standby ? "STANDBY" : "primary"}; 50 gateway calls → ${[...new Set(statuses)].join(", ")}`,
    );
    expect(where?.standby).toBe(false);
    expect(statuses.filter((s) => s === 200)).toHaveLength(50);
  });
});

async function endpointId(db: Database, slug: string): Promise<number | undefined> {
  const [row] = await db.query<{ id: number }>("select id from endpoints where slug = $1", [slug]);
  return row?.id;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
