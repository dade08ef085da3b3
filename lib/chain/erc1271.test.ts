// Smart-wallet payers: TestUSDC must accept EIP-1271 signatures as FiatToken v2.2
// does, and the x402 facilitator must be able to verify and settle for them.
import { x402Facilitator } from "@x402/core/facilitator";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { registerExactEvmScheme } from "@x402/evm/exact/facilitator";
import type { Address, LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testUsdcAbi } from "./abi";
import { compileSolidity } from "./compile";
import { devnetPublicClient, devnetWalletClient, mintTestUsdc } from "./devnet";
import { devnetFacilitatorSigner } from "./facilitator-signer";
import { randomNonce, signAuthorization, startTestDevnet } from "./test-helpers";

// A minimal contract wallet: a signature is valid when its owner EOA signed the hash.
const WALLET_SOURCE = `
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
contract OwnedWallet {
  address public immutable owner;
  constructor(address owner_) { owner = owner_; }
  function isValidSignature(bytes32 hash, bytes memory sig) external view returns (bytes4) {
    if (sig.length != 65) return 0xffffffff;
    bytes32 r; bytes32 s; uint8 v;
    assembly { r := mload(add(sig, 0x20)) s := mload(add(sig, 0x40)) v := byte(0, mload(add(sig, 0x60))) }
    return ecrecover(hash, v, r, s) == owner ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
  }
}`;

describe("contract-wallet payers (EIP-1271)", () => {
  let env: Awaited<ReturnType<typeof startTestDevnet>>;
  let wallet: Address;
  const owner = privateKeyToAccount(generatePrivateKey());

  /** Signs as the wallet: the owner's key, the wallet's address. */
  const walletSigner = (): LocalAccount => ({ ...owner, address: wallet });

  beforeAll(async () => {
    env = await startTestDevnet();
    const { abi, bytecode } = compileSolidity("OwnedWallet", WALLET_SOURCE);
    const hash = await devnetWalletClient(env.target, env.devnet.deployer).deployContract({
      abi,
      bytecode,
      args: [owner.address],
    });
    const receipt = await devnetPublicClient(env.target).waitForTransactionReceipt({ hash });
    if (!receipt.contractAddress) throw new Error("wallet deployment failed");
    wallet = receipt.contractAddress;
    await mintTestUsdc({
      ...env.target,
      token: env.devnet.tokenAddress,
      to: wallet,
      amount: 10_000_000n,
    });
  });
  afterAll(() => env?.stop());

  const balanceOf = (account: Address) =>
    devnetPublicClient(env.target).readContract({
      address: env.devnet.tokenAddress,
      abi: testUsdcAbi,
      functionName: "balanceOf",
      args: [account],
    });

  it("transferWithAuthorization accepts the wallet's signature and refuses a stranger's", async () => {
    const token = env.devnet.tokenAddress;
    const to = privateKeyToAccount(generatePrivateKey()).address;
    const now = (await devnetPublicClient(env.target).getBlock()).timestamp;
    const auth = {
      from: wallet,
      to,
      value: 1_000_000n,
      validAfter: 0n,
      validBefore: now + 600n,
      nonce: randomNonce(),
    };
    const args = (signature: `0x${string}`) =>
      [
        auth.from,
        auth.to,
        auth.value,
        auth.validAfter,
        auth.validBefore,
        auth.nonce,
        signature,
      ] as const;

    const stranger = { ...privateKeyToAccount(generatePrivateKey()), address: wallet };
    const forged = await signAuthorization(stranger, token, auth);
    await expect(
      devnetPublicClient(env.target).simulateContract({
        account: env.devnet.facilitatorAccount,
        address: token,
        abi: testUsdcAbi,
        functionName: "transferWithAuthorization",
        args: args(forged.signature),
      }),
    ).rejects.toThrow(/FiatTokenV2: invalid signature/);

    const { signature } = await signAuthorization(walletSigner(), token, auth);
    const hash = await devnetWalletClient(env.target, env.devnet.facilitatorAccount).writeContract({
      address: token,
      abi: testUsdcAbi,
      functionName: "transferWithAuthorization",
      args: args(signature),
    });
    await devnetPublicClient(env.target).waitForTransactionReceipt({ hash });
    expect(await balanceOf(to)).toBe(1_000_000n);
  });

  it("the x402 facilitator verifies and settles a payment from the wallet", async () => {
    const facilitator = new x402Facilitator();
    registerExactEvmScheme(facilitator, {
      signer: devnetFacilitatorSigner(env.target, env.devnet.facilitatorAccount),
      networks: "eip155:31337",
    });
    const payTo = privateKeyToAccount(generatePrivateKey()).address;
    const requirements = {
      scheme: "exact",
      network: "eip155:31337" as const,
      amount: "1000000",
      asset: env.devnet.tokenAddress,
      payTo,
      maxTimeoutSeconds: 60,
      extra: { name: "USDC", version: "2" },
    };
    const { x402Version, payload } = await new ExactEvmScheme(walletSigner()).createPaymentPayload(
      2,
      requirements,
    );
    const payment = { x402Version, accepted: requirements, payload };
    expect(await facilitator.verify(payment, requirements)).toMatchObject({
      isValid: true,
      payer: wallet,
    });
    expect(await facilitator.settle(payment, requirements)).toMatchObject({ success: true });
    expect(await balanceOf(payTo)).toBe(1_000_000n);
  });
});
