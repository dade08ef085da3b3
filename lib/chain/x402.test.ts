// End to end through the official x402 packages: a client signs an `exact` payment,
// our own facilitator (no third party) verifies and settles it on a real anvil.
import { x402Client } from "@x402/core/client";
import { x402Facilitator } from "@x402/core/facilitator";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { registerExactEvmScheme } from "@x402/evm/exact/facilitator";
import { type Address, getAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testUsdcAbi } from "./abi";
import { devnetPublicClient, mintTestUsdc } from "./devnet";
import { devnetFacilitatorSigner } from "./facilitator-signer";
import { startTestDevnet } from "./test-helpers";

const NETWORK = "eip155:31337";

describe("x402 exact payment, self-facilitated on anvil", () => {
  let env: Awaited<ReturnType<typeof startTestDevnet>>;
  let facilitator: x402Facilitator;
  let requirements: PaymentRequirements;
  const payer = privateKeyToAccount(generatePrivateKey());
  const payTo = privateKeyToAccount(generatePrivateKey()).address;

  beforeAll(async () => {
    env = await startTestDevnet();
    facilitator = new x402Facilitator();
    registerExactEvmScheme(facilitator, {
      signer: devnetFacilitatorSigner(env.target, env.devnet.facilitatorAccount),
      networks: NETWORK,
    });
    requirements = {
      scheme: "exact",
      network: NETWORK,
      amount: "1000000",
      asset: env.devnet.tokenAddress,
      payTo,
      maxTimeoutSeconds: 60,
      extra: { name: "USDC", version: "2" },
    };
    await mintTestUsdc({
      ...env.target,
      token: env.devnet.tokenAddress,
      to: payer.address,
      amount: 5_000_000n,
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

  /** What a client sends in PAYMENT-SIGNATURE, built by the scheme alone. */
  async function pay(
    from = payer,
    accepted: PaymentRequirements = requirements,
  ): Promise<PaymentPayload> {
    const { x402Version, payload } = await new ExactEvmScheme(from).createPaymentPayload(
      2,
      accepted,
    );
    return { x402Version, accepted, payload };
  }

  it("verifies and settles a 1 USDC payment; payTo receives exactly 1 USDC", async () => {
    const payment = await pay();
    const before = await balanceOf(payTo);

    const verified = await facilitator.verify(payment, requirements);
    expect(verified).toMatchObject({ isValid: true, payer: payer.address });

    const started = performance.now();
    const settled = await facilitator.settle(payment, requirements);
    const settleMs = performance.now() - started;
    expect(settled).toMatchObject({ success: true, network: NETWORK, payer: payer.address });
    expect(settled.transaction).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await balanceOf(payTo)).toBe(before + 1_000_000n);

    // The facilitator account, not the payer, sent (and paid gas for) the transfer.
    const tx = await devnetPublicClient(env.target).getTransaction({
      hash: settled.transaction as `0x${string}`,
    });
    expect(getAddress(tx.from)).toBe(env.devnet.facilitatorAccount.address);
    // Short receipt polling keeps this far below viem's 4 s custom-chain default.
    expect(settleMs).toBeLessThan(2000);
  });

  it("refuses to verify or settle the same payment twice", async () => {
    const payment = await pay();
    expect((await facilitator.settle(payment, requirements)).success).toBe(true);
    const before = await balanceOf(payTo);

    expect(await facilitator.verify(payment, requirements)).toMatchObject({
      isValid: false,
      invalidReason: "invalid_exact_evm_nonce_already_used",
    });
    const again = await facilitator.settle(payment, requirements);
    expect(again.success).toBe(false);
    expect(await balanceOf(payTo)).toBe(before);
  });

  it("names the reason for a wallet without funds (Multicall3 diagnostics)", async () => {
    const broke = privateKeyToAccount(generatePrivateKey());
    const result = await facilitator.verify(await pay(broke), requirements);
    expect(result).toMatchObject({
      isValid: false,
      invalidReason: "invalid_exact_evm_insufficient_balance",
      payer: broke.address,
    });
  });

  it("names a token version mismatch", async () => {
    const wrong = { ...requirements, extra: { name: "USDC", version: "1" } };
    const result = await facilitator.verify(await pay(payer, wrong), wrong);
    expect(result).toMatchObject({
      isValid: false,
      invalidReason: "invalid_exact_evm_token_version_mismatch",
    });
  });

  it("works through x402Client once the devnet token is an allowed asset", async () => {
    const paymentRequired = {
      x402Version: 2,
      resource: { url: "http://127.0.0.1/test", description: "test", mimeType: "application/json" },
      accepts: [requirements],
    };
    const client = new x402Client().register(NETWORK, new ExactEvmScheme(payer));
    // Spend controls refuse assets they do not know, which includes any devnet token.
    await expect(client.createPaymentPayload(paymentRequired)).rejects.toThrow(
      /rejected by spendControls/,
    );

    client.setSpendControls({
      allowedAssets: [{ network: NETWORK, asset: env.devnet.tokenAddress }],
    });
    const payment = await client.createPaymentPayload(paymentRequired);
    expect(payment.accepted).toEqual(requirements);
    const before = await balanceOf(payTo);
    expect((await facilitator.verify(payment, requirements)).isValid).toBe(true);
    expect((await facilitator.settle(payment, requirements)).success).toBe(true);
    expect(await balanceOf(payTo)).toBe(before + 1_000_000n);
  });
});
