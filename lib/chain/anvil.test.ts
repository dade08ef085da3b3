import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, describe, expect, it } from "vitest";
import { testUsdcAbi } from "./abi";
import { type AnvilProcess, startAnvil } from "./anvil";
import { TEST_USDC_RUNTIME } from "./artifacts";
import { devnetPublicClient, ensureDevnet, mintTestUsdc } from "./devnet";
import { freePort, TEST_CHAIN_ID, tempDir } from "./test-helpers";

describe("startAnvil", () => {
  const tmp = tempDir();
  const running: AnvilProcess[] = [];
  afterAll(async () => {
    await Promise.all(running.map((anvil) => anvil.stop()));
    tmp.remove();
  });

  async function start(stateFile?: string, port?: number) {
    const anvil = await startAnvil({
      port: port ?? (await freePort()),
      chainId: TEST_CHAIN_ID,
      ...(stateFile ? { stateFile } : {}),
    });
    running.push(anvil);
    return anvil;
  }

  it("keeps chain state across a stop and start with the same state file", async () => {
    const stateDir = path.join(tmp.dir, "persist");
    const stateFile = path.join(stateDir, "anvil-state.json");
    const holder = privateKeyToAccount(generatePrivateKey()).address;

    const first = await start(stateFile);
    const target = { rpcUrl: first.rpcUrl, chainId: TEST_CHAIN_ID };
    const { tokenAddress } = await ensureDevnet({ ...target, stateDir });
    await mintTestUsdc({ ...target, token: tokenAddress, to: holder, amount: 42_000_000n });
    await first.stop();
    expect(existsSync(stateFile)).toBe(true);

    // A different port too: nothing about the saved chain is tied to where it was served.
    const second = await start(stateFile);
    const target2 = { rpcUrl: second.rpcUrl, chainId: TEST_CHAIN_ID };
    const balance = await devnetPublicClient(target2).readContract({
      address: tokenAddress,
      abi: testUsdcAbi,
      functionName: "balanceOf",
      args: [holder],
    });
    expect(balance).toBe(42_000_000n);
    const again = await ensureDevnet({ ...target2, stateDir });
    expect(again).toMatchObject({ tokenAddress, deployed: false });
    await second.stop();
  });

  it("redeploys the token when the chain was reset under a remembered address", async () => {
    const stateDir = path.join(tmp.dir, "reset");
    const first = await start();
    const firstRun = await ensureDevnet({ rpcUrl: first.rpcUrl, chainId: TEST_CHAIN_ID, stateDir });
    await first.stop();
    // No state file: the new anvil is a fresh chain, but devnet.json still names the token.
    const second = await start();
    const target = { rpcUrl: second.rpcUrl, chainId: TEST_CHAIN_ID };
    const secondRun = await ensureDevnet({ ...target, stateDir });
    expect(firstRun.deployed && secondRun.deployed).toBe(true);
    expect(await devnetPublicClient(target).getCode({ address: secondRun.tokenAddress })).toBe(
      TEST_USDC_RUNTIME,
    );
    await second.stop();
  });

  it("writes state periodically, not only on a clean stop", async () => {
    const stateFile = path.join(tmp.dir, "interval", "state.json");
    const anvil = await startAnvil({
      port: await freePort(),
      chainId: TEST_CHAIN_ID,
      stateFile,
      stateIntervalSeconds: 1,
    });
    running.push(anvil);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(JSON.parse(readFileSync(stateFile, "utf8"))).toHaveProperty("block");
    await anvil.stop();
  });

  it("recovers from a state file torn by a crash mid-write", async () => {
    const dir = path.join(tmp.dir, "torn");
    const stateFile = path.join(dir, "state.json");
    const first = await start(stateFile);
    const { tokenAddress } = await ensureDevnet({
      rpcUrl: first.rpcUrl,
      chainId: TEST_CHAIN_ID,
      stateDir: dir,
    });
    await first.stop();
    await (await start(stateFile)).stop(); // this start keeps a last-good copy
    writeFileSync(stateFile, readFileSync(stateFile, "utf8").slice(0, 200));

    const third = await start(stateFile);
    const code = await devnetPublicClient({ rpcUrl: third.rpcUrl, chainId: TEST_CHAIN_ID }).getCode(
      { address: tokenAddress },
    );
    expect(code?.length).toBeGreaterThan(2);
    expect(readdirSync(dir).some((name) => name.startsWith("state.json.corrupt-"))).toBe(true);
    await third.stop();
  });

  it("fails clearly when the port is taken", async () => {
    const port = await freePort();
    await start(undefined, port);
    await expect(start(undefined, port)).rejects.toThrow(/port \d+ is already in use/);
  });

  it("stop() is idempotent and the RPC goes away", async () => {
    const anvil = await start();
    await Promise.all([anvil.stop(), anvil.stop()]);
    await expect(fetch(anvil.rpcUrl, { method: "POST" })).rejects.toThrow();
  });
});
