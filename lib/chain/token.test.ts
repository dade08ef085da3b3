import { type Address, domainSeparator, parseUnits } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testUsdcAbi, transferWithAuthorizationTypes } from "./abi";
import { MULTICALL3_ADDRESS, MULTICALL3_RUNTIME, TEST_USDC_RUNTIME } from "./artifacts";
import {
  anvilAccount,
  devnetPublicClient,
  devnetWalletClient,
  ensureDevnet,
  mintTestUsdc,
} from "./devnet";
import {
  type Authorization,
  randomNonce,
  signAuthorization,
  startTestDevnet,
  TEST_CHAIN_ID,
} from "./test-helpers";

describe("TestUSDC on a real anvil", () => {
  let env: Awaited<ReturnType<typeof startTestDevnet>>;
  let token: Address;
  let client: ReturnType<typeof devnetPublicClient>;
  const payer = privateKeyToAccount(generatePrivateKey());
  const payee = privateKeyToAccount(generatePrivateKey()).address;

  beforeAll(async () => {
    env = await startTestDevnet();
    token = env.devnet.tokenAddress;
    client = devnetPublicClient(env.target);
    await mintTestUsdc({ ...env.target, token, to: payer.address, amount: parseUnits("100", 6) });
  });
  afterAll(() => env?.stop());

  const balanceOf = (account: Address) =>
    client.readContract({
      address: token,
      abi: testUsdcAbi,
      functionName: "balanceOf",
      args: [account],
    });

  async function authorization(overrides: Partial<Authorization> = {}): Promise<Authorization> {
    const now = (await client.getBlock()).timestamp;
    return {
      from: payer.address,
      to: payee,
      value: parseUnits("1", 6),
      validAfter: 0n,
      validBefore: now + 3600n,
      nonce: randomNonce(),
      ...overrides,
    };
  }

  /** Submits transferWithAuthorization (v,r,s form) from the facilitator account. */
  async function submit(auth: Authorization, signer = payer) {
    const { v, r, s } = await signAuthorization(signer, token, auth);
    const args = [
      auth.from,
      auth.to,
      auth.value,
      auth.validAfter,
      auth.validBefore,
      auth.nonce,
      v,
      r,
      s,
    ] as const;
    const facilitator = env.devnet.facilitatorAccount;
    // Simulate first: it is what throws with the revert reason, as the x402 facilitator sees it.
    const { request } = await client.simulateContract({
      account: facilitator,
      address: token,
      abi: testUsdcAbi,
      functionName: "transferWithAuthorization",
      args,
    });
    const hash = await devnetWalletClient(env.target, facilitator).writeContract(request);
    return client.waitForTransactionReceipt({ hash });
  }

  it("deploys with USDC's metadata and EIP-712 domain, plus Multicall3", async () => {
    const read = <
      F extends "name" | "symbol" | "version" | "decimals" | "owner" | "DOMAIN_SEPARATOR",
    >(
      functionName: F,
    ) => client.readContract({ address: token, abi: testUsdcAbi, functionName });
    expect(await read("name")).toBe("USDC");
    expect(await read("symbol")).toBe("USDC");
    expect(await read("version")).toBe("2");
    expect(await read("decimals")).toBe(6);
    expect(await read("owner")).toBe(anvilAccount(0).address);
    expect(await read("DOMAIN_SEPARATOR")).toBe(
      domainSeparator({
        domain: { name: "USDC", version: "2", chainId: TEST_CHAIN_ID, verifyingContract: token },
      }),
    );
    expect(await client.getCode({ address: token })).toBe(TEST_USDC_RUNTIME);
    expect(await client.getCode({ address: MULTICALL3_ADDRESS })).toBe(MULTICALL3_RUNTIME);
    // viem routes multicall through the chain's Multicall3, so this exercises aggregate3.
    const [name, decimals] = await client.multicall({
      allowFailure: false,
      contracts: [
        { address: token, abi: testUsdcAbi, functionName: "name" },
        { address: token, abi: testUsdcAbi, functionName: "decimals" },
      ],
    });
    expect([name, decimals]).toEqual(["USDC", 6]);
  });

  it("ensureDevnet is idempotent: a second run reuses the token", async () => {
    const again = await ensureDevnet({ ...env.target, stateDir: env.stateDir });
    expect(again).toMatchObject({ tokenAddress: token, deployed: false });
    expect(env.devnet.deployed).toBe(true);
  });

  it("mints only for the owner", async () => {
    const to = privateKeyToAccount(generatePrivateKey()).address;
    await mintTestUsdc({ ...env.target, token, to, amount: 2_500_000n });
    expect(await balanceOf(to)).toBe(2_500_000n);
    await expect(
      client.simulateContract({
        account: anvilAccount(2),
        address: token,
        abi: testUsdcAbi,
        functionName: "mint",
        args: [to, 1n],
      }),
    ).rejects.toThrow(/Ownable: caller is not the owner/);
  });

  it("serialises concurrent mints from the same owner", async () => {
    const to = privateKeyToAccount(generatePrivateKey()).address;
    await Promise.all(
      [1n, 2n, 3n, 4n].map((amount) => mintTestUsdc({ ...env.target, token, to, amount })),
    );
    expect(await balanceOf(to)).toBe(10n);
  });

  it("transferWithAuthorization moves funds, marks the nonce used and refuses a replay", async () => {
    const auth = await authorization();
    const [payerBefore, payeeBefore] = [await balanceOf(payer.address), await balanceOf(payee)];
    const readState = () =>
      client.readContract({
        address: token,
        abi: testUsdcAbi,
        functionName: "authorizationState",
        args: [payer.address, auth.nonce],
      });
    expect(await readState()).toBe(false);

    const receipt = await submit(auth);
    expect(receipt.status).toBe("success");
    expect(await balanceOf(payer.address)).toBe(payerBefore - auth.value);
    expect(await balanceOf(payee)).toBe(payeeBefore + auth.value);
    expect(await readState()).toBe(true);
    const events = receipt.logs.map((log) => log.topics[0]);
    expect(events).toHaveLength(2); // AuthorizationUsed, Transfer

    await expect(submit(auth)).rejects.toThrow(/FiatTokenV2: authorization is used or canceled/);
  });

  it("accepts the bytes-signature form", async () => {
    const auth = await authorization();
    const { signature } = await signAuthorization(payer, token, auth);
    const before = await balanceOf(payee);
    const hash = await devnetWalletClient(env.target, env.devnet.facilitatorAccount).writeContract({
      address: token,
      abi: testUsdcAbi,
      functionName: "transferWithAuthorization",
      args: [
        auth.from,
        auth.to,
        auth.value,
        auth.validAfter,
        auth.validBefore,
        auth.nonce,
        signature,
      ],
    });
    expect((await client.waitForTransactionReceipt({ hash })).status).toBe("success");
    expect(await balanceOf(payee)).toBe(before + auth.value);
  });

  it("refuses an expired or not-yet-valid authorization", async () => {
    const now = (await client.getBlock()).timestamp;
    await expect(submit(await authorization({ validBefore: now - 1n }))).rejects.toThrow(
      /FiatTokenV2: authorization is expired/,
    );
    await expect(submit(await authorization({ validAfter: now + 3600n }))).rejects.toThrow(
      /FiatTokenV2: authorization is not yet valid/,
    );
  });

  it("refuses a signature from anyone but `from`", async () => {
    const mallory = privateKeyToAccount(generatePrivateKey());
    await expect(submit(await authorization(), mallory)).rejects.toThrow(
      /FiatTokenV2: invalid signature/,
    );
  });

  it("refuses a transfer beyond the balance", async () => {
    await expect(submit(await authorization({ value: parseUnits("1000", 6) }))).rejects.toThrow(
      /ERC20: transfer amount exceeds balance/,
    );
  });

  it("cancelAuthorization burns an unused nonce", async () => {
    const auth = await authorization();
    const signature = await payer.signTypedData({
      domain: { name: "USDC", version: "2", chainId: TEST_CHAIN_ID, verifyingContract: token },
      types: {
        CancelAuthorization: [
          { name: "authorizer", type: "address" },
          { name: "nonce", type: "bytes32" },
        ],
      },
      primaryType: "CancelAuthorization",
      message: { authorizer: payer.address, nonce: auth.nonce },
    });
    const hash = await devnetWalletClient(env.target, anvilAccount(3)).writeContract({
      address: token,
      abi: testUsdcAbi,
      functionName: "cancelAuthorization",
      args: [payer.address, auth.nonce, signature],
    });
    expect((await client.waitForTransactionReceipt({ hash })).status).toBe("success");
    await expect(submit(auth)).rejects.toThrow(/authorization is used or canceled/);
  });

  it("receiveWithAuthorization only lets the payee submit", async () => {
    const receiver = anvilAccount(4);
    const auth = await authorization({ to: receiver.address });
    const signature = await payer.signTypedData({
      domain: { name: "USDC", version: "2", chainId: TEST_CHAIN_ID, verifyingContract: token },
      types: { ReceiveWithAuthorization: transferWithAuthorizationTypes.TransferWithAuthorization },
      primaryType: "ReceiveWithAuthorization",
      message: auth,
    });
    const args = [
      auth.from,
      auth.to,
      auth.value,
      auth.validAfter,
      auth.validBefore,
      auth.nonce,
      signature,
    ] as const;
    const call = {
      address: token,
      abi: testUsdcAbi,
      functionName: "receiveWithAuthorization",
      args,
    } as const;
    await expect(
      client.simulateContract({ ...call, account: env.devnet.facilitatorAccount }),
    ).rejects.toThrow(/FiatTokenV2: caller must be the payee/);

    const before = await balanceOf(receiver.address);
    const hash = await devnetWalletClient(env.target, receiver).writeContract(call);
    expect((await client.waitForTransactionReceipt({ hash })).status).toBe("success");
    expect(await balanceOf(receiver.address)).toBe(before + auth.value);
  });
});
