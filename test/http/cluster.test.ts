import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { eq } from "drizzle-orm";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { endpoints } from "@/db/schema";
import { checkLedger, credit, getBalance } from "@/lib/ledger";
import { appPids } from "@/scripts/bench/procs";
import { openTestDatabase } from "@/test/helpers/databases";
import { freePort } from "@/test/helpers/net";
import { newAccount } from "@/test/helpers/payments";

type TestDatabase = Awaited<ReturnType<typeof openTestDatabase>>;

const onPostgres = inject("dbTargets").includes("postgres");

async function until(ready: () => boolean | Promise<boolean>, child: ChildProcess, what: string) {
  for (const deadline = Date.now() + 90_000; !(await ready()); ) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(what);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const workersOf = (pid: number) => appPids(pid).filter((p) => p !== pid);

// The production start command as a cluster: a primary (Next, purchases, the devnet) and two
// gateway workers sharing the public port, on a real PostgreSQL database.
describe.runIf(onPostgres)("npm start with WORKERS=2", { timeout: 180_000 }, () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "x402-cluster-"));
  let database: TestDatabase;
  let child: ChildProcess;
  let output = "";
  let url = "";
  let demoId = 0;

  beforeAll(async () => {
    database = await openTestDatabase("postgres");
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ["scripts/start.mjs"], {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        DATABASE_URL: database.url ?? "",
        PORT: String(port),
        HOST: "127.0.0.1",
        DATA_DIR: dataDir,
        ANVIL_PORT: "0",
        SEED_DEMO: "true",
        WORKERS: "2",
        // One wallet spends from 300 calls at once below: above the per-wallet cap's default.
        GATEWAY_WALLET_CONCURRENCY: "1000",
        RATE_LIMIT_NONCES: "5",
      } as Record<string, string> as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (d) => (output += d));
    child.stderr?.on("data", (d) => (output += d));
    await until(() => output.includes("is running"), child, `did not start:\n${output}`);
    const [demo] = await database.db.select().from(endpoints).where(eq(endpoints.slug, "demo"));
    demoId = demo?.id ?? 0;
  }, 150_000);

  afterAll(async () => {
    if (child?.exitCode === null) child.kill("SIGKILL");
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("forks two workers on the port; pages and the API answer through them", async () => {
    expect(output).toContain("Workers   2 gateway processes");
    expect(workersOf(child.pid ?? 0)).toHaveLength(2);
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const config = await fetch(`${url}/api/config`);
    expect(await config.json()).toMatchObject({ network: "eip155:31337", devnet: true });
  });

  it("rate limits key on the caller's address, not on the worker that relayed it", async () => {
    const nonce = (address: string, headers: Record<string, string> = {}) =>
      fetch(`${url}/api/auth/nonce`, {
        headers,
        dispatcher: new Agent({ localAddress: address }),
      } as RequestInit).then((r) => r.status);
    for (let i = 0; i < 5; i++) expect(await nonce("127.0.0.2")).toBe(200);
    expect(await nonce("127.0.0.2")).toBe(429);
    // Spoofing X-Forwarded-For is no way round it: no proxy is trusted here.
    expect(await nonce("127.0.0.2", { "x-forwarded-for": "203.0.113.9" })).toBe(429);
    expect(await nonce("127.0.0.3")).toBe(200);
  });

  it("pages served by the primary through a worker carry their nonce CSP", async () => {
    const res = await fetch(`${url}/`);
    const csp = res.headers.get("content-security-policy") ?? "";
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    const scripts = (await res.text()).match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("debits exactly when both workers spend one wallet at once", async () => {
    const wallet = newAccount().address.toLowerCase();
    const account = { endpointId: demoId, wallet };
    await credit(database.db, { ...account, credits: 120n, kind: "grant" });
    const statuses = await Promise.all(
      Array.from({ length: 300 }, () =>
        fetch(`${url}/e/demo/echo`, { headers: { "x-wallet-address": wallet } }).then(async (r) => {
          await r.arrayBuffer();
          return r.status;
        }),
      ),
    );
    const [demo] = await database.db.select().from(endpoints).where(eq(endpoints.id, demoId));
    const cost = BigInt(demo?.creditsPerCall ?? 0);
    const served = Number(120n / cost);
    expect(statuses.filter((s) => s === 200)).toHaveLength(served);
    expect(statuses.filter((s) => s === 402)).toHaveLength(300 - served);
    expect(await getBalance(database.db, account)).toBe(120n - BigInt(served) * cost);
    expect((await checkLedger(database.db)).ok).toBe(true);
  });

  /** The official x402 client for a new wallet holding 5 test USDC from the faucet. */
  async function payingFetch() {
    const buyer = newAccount();
    const faucet = await fetch(`${url}/api/dev/faucet`, {
      method: "POST",
      body: JSON.stringify({ address: buyer.address, amount: "5" }),
    });
    expect(faucet.status).toBe(200);
    const { asset } = (await (await fetch(`${url}/api/config`)).json()) as {
      asset: { address: string };
    };
    const client = new x402Client().register("eip155:31337", new ExactEvmScheme(buyer));
    client.setSpendControls({ allowedAssets: [{ network: "eip155:31337", asset: asset.address }] });
    const account = { endpointId: demoId, wallet: buyer.address.toLowerCase() };
    return { pay: wrapFetchWithPayment(fetch, client), account };
  }

  it("settles purchases in the primary: the official x402 client buys through a worker", async () => {
    const { pay, account } = await payingFetch();
    const packs = (await (await fetch(`${url}/api/credits/packs?endpoint=demo`)).json()) as {
      packs: { credits: number; purchaseUrl: string }[];
    };
    const pack = packs.packs[0];
    const bought = await pay(pack?.purchaseUrl ?? "", { method: "POST" });
    expect(bought.status).toBe(200);
    expect(await getBalance(database.db, account)).toBe(BigInt(pack?.credits ?? -1));
  });

  it("pay-and-call: a gateway call carrying a payment is settled by the primary and served", async () => {
    const { pay, account } = await payingFetch();
    const res = await pay(`${url}/e/demo/echo?via=cluster`);
    expect(res.status).toBe(200);
    const charged = BigInt(res.headers.get("x-credits-charged") ?? "-1");
    expect(charged).toBeGreaterThan(0n);
    const remaining = BigInt(res.headers.get("x-credits-remaining") ?? "-1");
    expect(await getBalance(database.db, account)).toBe(remaining);
    expect((await checkLedger(database.db)).ok).toBe(true);
  });

  it("replaces a worker that dies and keeps answering", async () => {
    const pid = child.pid ?? 0;
    const [victim] = workersOf(pid);
    process.kill(victim ?? 0, "SIGKILL");
    const balance = () =>
      request(`${url}/api/credits/balance?endpoint=demo`, {
        headers: { "x-wallet-address": newAccount().address },
        reset: true,
      }).then(async (r) => {
        await r.body.dump();
        return r.statusCode;
      });
    // Calls the dead worker held are reset, as with any crashed server; once the primary
    // has seen the exit (about a millisecond) the other worker takes every new one, and a
    // replacement follows a second later.
    await until(
      () => output.includes(`worker ${victim} exited (SIGKILL); restarting`),
      child,
      "the primary did not notice",
    );
    expect(await balance()).toBe(200);
    await until(
      () => workersOf(pid).length === 2 && !workersOf(pid).includes(victim ?? 0),
      child,
      "no replacement worker",
    );
    const statuses = await Promise.all(Array.from({ length: 20 }, balance));
    expect(statuses.every((s) => s === 200)).toBe(true);
  });

  it("stops on SIGTERM with every worker", async () => {
    const workers = workersOf(child.pid ?? 0);
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(workers.filter(isAlive)).toEqual([]);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
