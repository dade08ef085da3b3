import { encodePaymentSignatureHeader } from "@x402/core/http";
import type { PaymentRequirements } from "@x402/core/types";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import {
  appendPaymentIdentifierToExtensions,
  declarePaymentIdentifierExtension,
  PAYMENT_IDENTIFIER,
} from "@x402/extensions/payment-identifier";
import { x402Client } from "@x402/fetch";
import { type Address, type LocalAccount, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { AppContext } from "@/lib/app/context";
import { testUsdcAbi, transferWithAuthorizationTypes } from "@/lib/chain/abi";

export function newAccount(): LocalAccount {
  return privateKeyToAccount(generatePrivateKey());
}

/** A wallet holding `usdc` atomic units of the devnet token. */
export async function fundedPayer(ctx: AppContext, usdc = 20_000_000n): Promise<LocalAccount> {
  const account = newAccount();
  if (usdc > 0n) await ctx.chain.mint?.(account.address, usdc);
  return account;
}

export function usdcBalance(ctx: AppContext, owner: string): Promise<bigint> {
  return ctx.chain.publicClient.readContract({
    address: ctx.payments.asset.address,
    abi: testUsdcAbi,
    functionName: "balanceOf",
    args: [owner as Address],
  });
}

/**
 * A PAYMENT-SIGNATURE header as the official v2 client scheme builds it for `accepted`
 * (a fresh nonce each time), with an x402 payment-identifier when `paymentId` is given.
 */
export async function v2Payment(
  account: LocalAccount,
  accepted: PaymentRequirements,
  opts: { paymentId?: string } = {},
): Promise<string> {
  const { x402Version, payload } = await new ExactEvmScheme(account).createPaymentPayload(
    2,
    accepted,
  );
  const extensions = opts.paymentId
    ? {
        [PAYMENT_IDENTIFIER]: {
          ...declarePaymentIdentifierExtension(false),
          info: { required: false, id: opts.paymentId },
        },
      }
    : undefined;
  return encodePaymentSignatureHeader({ x402Version, accepted, payload, extensions });
}

/**
 * The official v2 client paying with `account` on this app's network and token; with
 * `paymentId`, it adds that x402 payment-identifier to every payment it makes, the way the
 * extension's docs show (a hook before payment creation).
 */
export function officialClient(
  ctx: AppContext,
  account: LocalAccount,
  opts: { paymentId?: string } = {},
): x402Client {
  const network = ctx.payments.network as PaymentRequirements["network"];
  const client = new x402Client().register(network, new ExactEvmScheme(account));
  client.setSpendControls({ allowedAssets: [{ network, asset: ctx.payments.asset.address }] });
  const id = opts.paymentId;
  if (id) {
    client.onBeforePaymentCreation(async ({ paymentRequired }) => {
      const extensions = paymentRequired.extensions as Record<string, unknown> | undefined;
      if (extensions) appendPaymentIdentifierToExtensions(extensions, id);
    });
  }
  return client;
}

/** A fetch that keeps every x402 payment header it sends, to present a payment again. */
export function recordingFetch(inner: typeof fetch = fetch) {
  const sent: { name: "payment-signature" | "x-payment"; value: string }[] = [];
  const recording: typeof fetch = (input, init) => {
    // Read without constructing a Request, which would take over the body of `input`.
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : {}));
    for (const name of ["payment-signature", "x-payment"] as const) {
      const value = headers.get(name);
      if (value) sent.push({ name, value });
    }
    return inner(input, init);
  };
  return { fetch: recording, sent };
}

/**
 * A hand-signed EIP-3009 authorization in a v2 payment, for the cases the official client
 * refuses to build (expired, signed by someone else).
 */
export async function handSignedPayment(
  ctx: AppContext,
  accepted: PaymentRequirements,
  opts: { signer: LocalAccount; from?: Address; validBefore?: bigint },
): Promise<string> {
  const authorization = {
    from: opts.from ?? opts.signer.address,
    to: accepted.payTo as Address,
    value: BigInt(accepted.amount),
    validAfter: 0n,
    validBefore: opts.validBefore ?? BigInt(Math.floor(Date.now() / 1000) + 300),
    nonce: toHex(crypto.getRandomValues(new Uint8Array(32))),
  };
  const signature = await opts.signer.signTypedData({
    domain: {
      name: ctx.payments.asset.name,
      version: ctx.payments.asset.version,
      chainId: ctx.payments.chainId,
      verifyingContract: ctx.payments.asset.address,
    },
    types: transferWithAuthorizationTypes,
    primaryType: "TransferWithAuthorization",
    message: authorization,
  });
  const wire = Object.fromEntries(
    Object.entries(authorization).map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : v]),
  );
  return encodePaymentSignatureHeader({
    x402Version: 2,
    accepted,
    payload: { signature, authorization: wire },
  });
}
