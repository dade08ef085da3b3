import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import {
  type Address,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  type Hash,
  type HDAccount,
  http,
  type LocalAccount,
  parseEther,
  type Transport,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { testUsdcAbi } from "./abi";
import {
  MULTICALL3_ADDRESS,
  MULTICALL3_RUNTIME,
  TEST_USDC_BYTECODE,
  TEST_USDC_RUNTIME,
  TEST_USDC_SOURCE_HASH,
} from "./artifacts";
import { serially } from "./serial-queue";

/** anvil's default mnemonic: its accounts are public knowledge and hold only devnet ETH. */
export const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";

/** anvil mines instantly; viem's default 4 s receipt polling on a custom chain would dominate. */
export const DEVNET_POLLING_MS = 50;

const RECORD_FILE = "devnet.json";
const MIN_FACILITATOR_ETH = parseEther("1");

export function anvilAccount(index: number): HDAccount {
  return mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index });
}

/** A viem chain for the devnet; declaring Multicall3 lets viem batch reads through it. */
export function devnetChain(chainId: number, rpcUrl: string): Chain {
  return defineChain({
    id: chainId,
    name: `Devnet ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
    contracts: { multicall3: { address: MULTICALL3_ADDRESS } },
  });
}

export interface DevnetTarget {
  rpcUrl: string;
  chainId: number;
}

export function devnetPublicClient({ rpcUrl, chainId }: DevnetTarget) {
  return createPublicClient({
    chain: devnetChain(chainId, rpcUrl),
    transport: http(rpcUrl),
    pollingInterval: DEVNET_POLLING_MS,
  });
}

export function devnetWalletClient(
  { rpcUrl, chainId }: DevnetTarget,
  account: HDAccount | LocalAccount,
  transport: Transport = http(rpcUrl),
) {
  return createWalletClient({
    account,
    chain: devnetChain(chainId, rpcUrl),
    transport,
    pollingInterval: DEVNET_POLLING_MS,
  });
}

export interface Devnet {
  tokenAddress: Address;
  /** anvil account #0: deployed TestUSDC, owns it, mints. */
  deployer: HDAccount;
  /** anvil account #1: submits transferWithAuthorization and pays its gas. */
  facilitatorAccount: HDAccount;
  /** True when this call deployed the token (fresh or reset chain). */
  deployed: boolean;
}

interface DeploymentRecord {
  chainId: number;
  tokenAddress: Address;
  sourceHash: string;
}

/**
 * Brings a running anvil to the state the gateway needs, and is safe to call on every
 * start: Multicall3 at its canonical address, TestUSDC deployed once (its address kept
 * in stateDir/devnet.json), and a facilitator with gas money. A recorded token whose
 * code is gone (the chain was reset) or differs (TestUSDC.sol changed) is redeployed.
 * Not safe to run concurrently against the same chain.
 */
export async function ensureDevnet(options: DevnetTarget & { stateDir: string }): Promise<Devnet> {
  const { chainId, stateDir } = options;
  const publicClient = devnetPublicClient(options);
  const testClient = createTestClient({
    mode: "anvil",
    chain: devnetChain(chainId, options.rpcUrl),
    transport: http(options.rpcUrl),
  });
  const actualChainId = await publicClient.getChainId();
  if (actualChainId !== chainId) {
    throw new Error(`${options.rpcUrl} is chain ${actualChainId}, expected ${chainId}`);
  }

  // Any code counts: a fork already carries the canonical Multicall3, and it will do.
  if (!(await hasCode(publicClient, MULTICALL3_ADDRESS))) {
    await testClient.setCode({ address: MULTICALL3_ADDRESS, bytecode: MULTICALL3_RUNTIME });
  }

  const deployer = anvilAccount(0);
  const facilitatorAccount = anvilAccount(1);
  const ethBalance = await publicClient.getBalance({ address: facilitatorAccount.address });
  if (ethBalance < MIN_FACILITATOR_ETH) {
    await testClient.setBalance({ address: facilitatorAccount.address, value: parseEther("1000") });
  }

  const recordPath = path.join(stateDir, RECORD_FILE);
  const record = readRecord(recordPath);
  if (
    record?.chainId === chainId &&
    (await hasCode(publicClient, record.tokenAddress, TEST_USDC_RUNTIME))
  ) {
    return { tokenAddress: record.tokenAddress, deployer, facilitatorAccount, deployed: false };
  }

  const hash = await devnetWalletClient(options, deployer).deployContract({
    abi: testUsdcAbi,
    bytecode: TEST_USDC_BYTECODE,
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success" || !receipt.contractAddress) {
    throw new Error(`TestUSDC deployment failed in ${hash}`);
  }
  await mkdir(stateDir, { recursive: true });
  writeRecord(recordPath, {
    chainId,
    tokenAddress: receipt.contractAddress,
    sourceHash: TEST_USDC_SOURCE_HASH,
  });
  return { tokenAddress: receipt.contractAddress, deployer, facilitatorAccount, deployed: true };
}

/** Mints TestUSDC (base units, 6 decimals) from the owner account; resolves once mined. */
export function mintTestUsdc(
  options: DevnetTarget & { token: Address; to: Address; amount: bigint },
): Promise<Hash> {
  // Account #0's transactions are queued per RPC URL (concurrent faucet requests).
  return serially(`${options.rpcUrl} ${anvilAccount(0).address}`, () => mintNow(options));
}

async function mintNow(
  options: DevnetTarget & { token: Address; to: Address; amount: bigint },
): Promise<Hash> {
  const hash = await devnetWalletClient(options, anvilAccount(0)).writeContract({
    address: options.token,
    abi: testUsdcAbi,
    functionName: "mint",
    args: [options.to, options.amount],
  });
  const receipt = await devnetPublicClient(options).waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`TestUSDC mint reverted in ${hash}`);
  return hash;
}

async function hasCode(
  client: ReturnType<typeof devnetPublicClient>,
  address: Address,
  expected?: string,
): Promise<boolean> {
  const code = await client.getCode({ address });
  if (!code || code === "0x") return false;
  return expected === undefined || code.toLowerCase() === expected.toLowerCase();
}

function readRecord(file: string): DeploymentRecord | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<DeploymentRecord>;
    if (typeof parsed.chainId !== "number" || typeof parsed.tokenAddress !== "string") return;
    return parsed as DeploymentRecord;
  } catch {
    return undefined;
  }
}

function writeRecord(file: string, record: DeploymentRecord): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(tmp, file);
}
