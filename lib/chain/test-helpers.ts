import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { type Address, type Hex, type LocalAccount, parseSignature, toHex } from "viem";
import { transferWithAuthorizationTypes } from "./abi";
import { type AnvilProcess, startAnvil } from "./anvil";
import { type Devnet, ensureDevnet } from "./devnet";

export const TEST_CHAIN_ID = 31337;

/** A port the OS just handed out on 127.0.0.1, so parallel test files never collide. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

export function tempDir(prefix = "x402-chain-"): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A real anvil with the devnet installed, in a throwaway directory. */
export async function startTestDevnet(): Promise<{
  anvil: AnvilProcess;
  devnet: Devnet;
  target: { rpcUrl: string; chainId: number };
  stateDir: string;
  stop(): Promise<void>;
}> {
  const tmp = tempDir();
  const anvil = await startAnvil({ port: await freePort(), chainId: TEST_CHAIN_ID });
  const target = { rpcUrl: anvil.rpcUrl, chainId: TEST_CHAIN_ID };
  const devnet = await ensureDevnet({ ...target, stateDir: tmp.dir });
  return {
    anvil,
    devnet,
    target,
    stateDir: tmp.dir,
    stop: async () => {
      await anvil.stop();
      tmp.remove();
    },
  };
}

export interface Authorization {
  from: Address;
  to: Address;
  value: bigint;
  validAfter: bigint;
  validBefore: bigint;
  nonce: Hex;
}

export function randomNonce(): Hex {
  return toHex(crypto.getRandomValues(new Uint8Array(32)));
}

/** Signs an EIP-3009 TransferWithAuthorization for the token's domain {USDC, 2}. */
export async function signAuthorization(
  signer: LocalAccount,
  token: Address,
  auth: Authorization,
): Promise<{ signature: Hex; v: number; r: Hex; s: Hex }> {
  const signature = await signer.signTypedData({
    domain: { name: "USDC", version: "2", chainId: TEST_CHAIN_ID, verifyingContract: token },
    types: transferWithAuthorizationTypes,
    primaryType: "TransferWithAuthorization",
    message: auth,
  });
  const { v, r, s } = parseSignature(signature);
  if (v === undefined) throw new Error("signature without v");
  return { signature, v: Number(v), r, s };
}
