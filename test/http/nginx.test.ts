import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { type Address, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Database, openDatabase, rowsOf } from "@/db";
import { payments } from "@/db/schema";
import { testUsdcAbi } from "@/lib/chain/abi";
import {
  anvilAccount,
  devnetPublicClient,
  devnetWalletClient,
  mintTestUsdc,
} from "@/lib/chain/devnet";
import {
  type Authorization,
  randomNonce,
  signAuthorization,
  startTestDevnet,
} from "@/lib/chain/test-helpers";
import { SecretBox } from "@/lib/crypto/secret-box";
import { checkLedger, getBalance } from "@/lib/ledger";
import { freeLoopbackPort } from "@/lib/net/free-port";
import { type AppProcess, startAppProcess } from "@/test/helpers/app-process";
import { TEST_DATABASE_URL } from "@/test/helpers/databases";
import { createEndpoint, fundedWallet } from "@/test/helpers/endpoints";
import { startNginx } from "@/test/helpers/nginx";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import { newAccount } from "@/test/helpers/payments";
import { until } from "@/test/helpers/until";

const onPostgres = inject("dbTargets").includes("postgres");
const APP_SECRET = randomBytes(32).toString("base64url");
const NETWORK = "eip155:31337";

// Scaling out as the README describes it: two app nodes (`npm start` each) on one
// PostgreSQL database, one chain RPC they share, and deploy/nginx.conf in front.
describe.runIf(onPostgres)(
  "two app nodes behind nginx (deploy/nginx.conf)",
  { timeout: 300_000 },
  () => {
    const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
    const dbName = `x402_nginx_${process.pid}_${randomBytes(3).toString("hex")}`;
    const dataDirs: string[] = [];
    let devnet: Awaited<ReturnType<typeof startTestDevnet>>;
    let origin: Origin;
    let nodes: AppProcess[] = [];
    let nodePorts: [number, number];
    let nginx: Awaited<ReturnType<typeof startNginx>>;
    let db: Database;
    let ctx: { db: Database["db"]; box: SecretBox };

    beforeAll(async () => {
      devnet = await startTestDevnet();
      origin = await startOrigin();
      // Empty: both nodes start at once and race to migrate it.
      await admin.unsafe(`create database ${dbName}`);
      const url = new URL(TEST_DATABASE_URL);
      url.pathname = `/${dbName}`;
      nodePorts = [await freeLoopbackPort(), await freeLoopbackPort()];
      const lbPort = await freeLoopbackPort();
      nodes = await Promise.all(
        nodePorts.map((port, i) => {
          const dataDir = mkdtempSync(path.join(tmpdir(), `x402-node${i}-`));
          dataDirs.push(dataDir);
          // Each node settles with a key of its own: two processes sending from one account
          // would race for its nonces.
          const facilitator = anvilAccount(2 + i).getHdKey().privateKey as Uint8Array;
          return startAppProcess({
            NODE_ENV: "production",
            // Every node must share it: origin keys are sealed with it.
            APP_SECRET,
            DATABASE_URL: url.toString(),
            DATABASE_POOL_MAX: "5",
            WORKERS: "1",
            HOST: "127.0.0.1",
            PORT: String(port),
            PUBLIC_URL: `http://127.0.0.1:${lbPort}`,
            DATA_DIR: dataDir,
            NETWORK,
            DEVNET: "false",
            RPC_URL: devnet.target.rpcUrl,
            ASSET_ADDRESS: devnet.devnet.tokenAddress,
            FACILITATOR: "local",
            FACILITATOR_PRIVATE_KEY: toHex(facilitator),
            SEED_DEMO: "false",
            RECONCILE_INTERVAL_MS: "300",
            FACILITATOR_TIMEOUT_MS: "1000",
          });
        }),
      );
      nginx = await startNginx(lbPort, nodePorts);
      db = await openDatabase({ kind: "postgres", url: url.toString(), poolMax: 4 });
      ctx = { db: db.db, box: new SecretBox(APP_SECRET) };
    }, 240_000);

    afterAll(async () => {
      await nginx?.stop();
      await Promise.all(nodes.map((n) => n.stop()));
      await db?.close();
      await admin.unsafe(`drop database if exists ${dbName} with (force)`);
      await admin.end();
      await origin?.close();
      await devnet?.stop();
      for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    });

    it("both nodes started at once on an empty database; it was migrated exactly once", async () => {
      const applied = rowsOf<{ n: number }>(
        await db.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`),
      );
      const shipped = readdirSync(path.join(process.cwd(), "drizzle")).filter((f) =>
        f.endsWith(".sql"),
      );
      expect(applied[0]?.n).toBe(shipped.length);
      expect(nodes.every((n) => n.running())).toBe(true);
    });

    it("spreads gateway calls over both nodes, and the books balance across them", async () => {
      const endpoint = await createEndpoint(ctx, origin.url);
      const wallets = await Promise.all(
        Array.from({ length: 20 }, () => fundedWallet(ctx, endpoint.id, 30n)),
      );
      const before = nginx.log().length;
      const hits = origin.hits();
      // 25 calls a wallet with credits for 30, from 16 clients at once.
      const statuses = await inBatches(500, 16, async (i) => {
        const res = await fetch(`${nginx.url}/e/${endpoint.slug}/c/${i}`, {
          headers: { "x-wallet-address": wallets[i % wallets.length] as string },
        });
        await res.arrayBuffer();
        return res.status;
      });
      expect(statuses.every((s) => s === 200)).toBe(true);
      expect(origin.hits() - hits).toBe(500);
      const byNode = count(
        nginx
          .log()
          .slice(before)
          .map((l) => l.node),
      );
      for (const port of nodePorts) expect(byNode.get(`127.0.0.1:${port}`)).toBeGreaterThan(50);
      for (const wallet of wallets) {
        expect(await getBalance(db.db, { endpointId: endpoint.id, wallet })).toBe(5n);
      }
      expect((await checkLedger(db.db)).ok).toBe(true);
    });

    it("purchases through the balancer settle on either node, each with its own key, credited once", async () => {
      const endpoint = await createEndpoint(ctx, origin.url);
      const buyers = Array.from({ length: 6 }, () => newAccount());
      for (const buyer of buyers) {
        await mintTestUsdc({
          ...devnet.target,
          token: devnet.devnet.tokenAddress,
          to: buyer.address,
          amount: 1_000_000n,
        });
      }
      const before = nginx.log().length;
      const nonces = await facilitatorNonces();
      const statuses = await Promise.all(
        buyers.map(async (buyer) => {
          const client = new x402Client().register(NETWORK, new ExactEvmScheme(buyer));
          client.setSpendControls({
            allowedAssets: [{ network: NETWORK, asset: devnet.devnet.tokenAddress }],
          });
          const res = await wrapFetchWithPayment(fetch, client)(
            `${nginx.url}/api/credits/purchase?endpoint=${endpoint.slug}&pack=starter`,
            { method: "POST" },
          );
          return res.status;
        }),
      );
      // 202: the settlement outlived the answer's wait (a loaded machine); it finishes anyway.
      for (const status of statuses) expect([200, 202]).toContain(status);
      const settledBy = count(
        nginx
          .log()
          .slice(before)
          .filter((l) => l.method === "POST" && (l.status === 200 || l.status === 202))
          .map((l) => l.node),
      );
      for (const buyer of buyers) {
        const wallet = buyer.address.toLowerCase();
        const balance = () => getBalance(db.db, { endpointId: endpoint.id, wallet });
        await until(balance, (b) => b === 100n, 60_000, 250);
      }
      expect(settledBy.size).toBe(2);
      // Each node sent its settlements from its own account: one transaction per purchase.
      const sent = (await facilitatorNonces()).map((n, i) => n - (nonces[i] ?? 0));
      expect(sent.sort()).toEqual([...settledBy.values()].sort());
      for (const buyer of buyers) {
        const wallet = buyer.address.toLowerCase();
        expect(await getBalance(db.db, { endpointId: endpoint.id, wallet })).toBe(100n);
      }
    });

    it("a payment left pending is finished by both nodes' reconcilers, and credited once", async () => {
      const endpoint = await createEndpoint(ctx, origin.url);
      const payer = newAccount();
      const token = devnet.devnet.tokenAddress;
      await mintTestUsdc({ ...devnet.target, token, to: payer.address, amount: 1_000_000n });
      // The transfer happened on chain; the process that made it died before crediting.
      const authorization = {
        from: payer.address,
        to: endpoint.payTo as Address,
        value: 1_000_000n,
        validAfter: 0n,
        validBefore: BigInt(Math.floor(Date.now() / 1000) + 600),
        nonce: randomNonce(),
      };
      const { signature } = await signAuthorization(payer, token, authorization);
      const submitter = devnetWalletClient(devnet.target, anvilAccount(5));
      await submitter.writeContract({
        address: token,
        abi: testUsdcAbi,
        functionName: "transferWithAuthorization",
        args: [...authorizationArgs(authorization), signature],
      });
      const [pending] = await db.db
        .insert(payments)
        .values({
          endpointId: endpoint.id,
          packId: "starter",
          credits: 100n,
          network: NETWORK,
          asset: token.toLowerCase(),
          payer: payer.address.toLowerCase(),
          payTo: endpoint.payTo,
          amount: 1_000_000n,
          nonce: authorization.nonce.toLowerCase(),
          payload: {},
          updatedAt: new Date(Date.now() - 60_000),
        })
        .returning();
      const key = `payment:${pending?.id}`;
      const credits = async () =>
        rowsOf<{ n: number }>(
          await db.db.execute(
            sql`select count(*)::int as n from ledger_entries where idempotency_key = ${key}`,
          ),
        )[0]?.n;
      for (const deadline = Date.now() + 20_000; (await credits()) === 0 && Date.now() < deadline; )
        await new Promise((r) => setTimeout(r, 100));
      // Both reconcilers run every 300 ms: give the slower one time to try too.
      await new Promise((r) => setTimeout(r, 1_500));
      expect(await credits()).toBe(1);
      const wallet = payer.address.toLowerCase();
      expect(await getBalance(db.db, { endpointId: endpoint.id, wallet })).toBe(100n);
    });

    it("a node that dies costs at most the call in its hands; nothing is charged for it", async () => {
      const endpoint = await createEndpoint(ctx, origin.url);
      const wallet = await fundedWallet(ctx, endpoint.id, 1_000n);
      const [, second] = nodes;
      second?.child.kill("SIGKILL");
      await new Promise((r) => second?.child.once("exit", r));
      const hits = origin.hits();
      const answers: { status: number; code?: string }[] = [];
      for (let i = 0; i < 40; i++) {
        const res = await fetch(`${nginx.url}/e/${endpoint.slug}/after-kill/${i}`, {
          headers: { "x-wallet-address": wallet },
        });
        const body = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
        answers.push({ status: res.status, code: body.error?.code });
      }
      const served = answers.filter((a) => a.status === 200).length;
      const failed = answers.filter((a) => a.status !== 200);
      // nginx tries the dead node once (connection refused), then leaves it alone for 5 s;
      // the failure is JSON like every error of the API, and never replayed on the other node.
      expect(failed.length).toBeGreaterThanOrEqual(1);
      expect(failed.length).toBeLessThanOrEqual(2);
      for (const a of failed) expect(a).toEqual({ status: 503, code: "app_unavailable" });
      expect(origin.hits() - hits).toBe(served);
      expect(await getBalance(db.db, { endpointId: endpoint.id, wallet })).toBe(
        1_000n - BigInt(served),
      );
    });

    /** Transactions sent so far by each node's facilitator account (anvil #2 and #3). */
    function facilitatorNonces(): Promise<number[]> {
      const chain = devnetPublicClient(devnet.target);
      return Promise.all(
        [2, 3].map((i) => chain.getTransactionCount({ address: anvilAccount(i).address })),
      );
    }
  },
);

function authorizationArgs(a: Authorization) {
  return [a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce] as const;
}

async function inBatches<T>(total: number, parallel: number, run: (i: number) => Promise<T>) {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < total) {
        const i = next++;
        results[i] = await run(i);
      }
    }),
  );
  return results;
}

function count(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}
