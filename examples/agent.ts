/**
 * An agent that buys credits with x402 and spends them, using only the official client.
 *
 *   npx tsx examples/agent.ts [SERVER_URL] [ENDPOINT]
 *
 * On the devnet it funds itself from the faucet first. It uses anvil's public test key #9
 * (the demo buyer) unless AGENT_PRIVATE_KEY is set: devnet money only.
 */

import { ExactEvmScheme } from "@x402/evm/exact/client";
import { decodePaymentResponseHeader, wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { privateKeyToAccount } from "viem/accounts";

const server = process.argv[2] ?? "http://localhost:3000";
const endpoint = process.argv[3] ?? "demo";
const key = (process.env.AGENT_PRIVATE_KEY ??
  "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6") as `0x${string}`;
const account = privateKeyToAccount(key);

const config = (await (await fetch(`${server}/api/config`)).json()) as {
  network: `${string}:${string}`;
  devnet: boolean;
  asset: { address: string };
};
if (config.devnet) {
  const res = await fetch(`${server}/api/dev/faucet`, {
    method: "POST",
    body: JSON.stringify({ address: account.address, amount: "5" }),
  });
  console.log("faucet:", res.status, await res.json());
}

const balance = async () =>
  (await (
    await fetch(`${server}/api/credits/balance?endpoint=${endpoint}`, {
      headers: { "x-wallet-address": account.address },
    })
  ).json()) as { credits: number };
console.log("credits before:", (await balance()).credits);

// The official x402 client: sees the 402, signs the EIP-3009 authorization, retries.
const client = new x402Client().register(config.network, new ExactEvmScheme(account));
client.setSpendControls({
  allowedAssets: [{ network: config.network, asset: config.asset.address }],
});
const pay = wrapFetchWithPayment(fetch, client);

const packs = (await (await fetch(`${server}/api/credits/packs?endpoint=${endpoint}`)).json()) as {
  packs: { id: string; price: string; credits: number; purchaseUrl: string }[];
};
const pack = packs.packs[0];
if (!pack) throw new Error(`${endpoint} sells no packs`);
const bought = await pay(pack.purchaseUrl, { method: "POST" });
console.log(
  `bought ${pack.credits} credits for ${pack.price} USDC:`,
  bought.status,
  await bought.json(),
);
const receipt = bought.headers.get("payment-response");
if (receipt) console.log("settlement:", decodePaymentResponseHeader(receipt));

// Spending needs no signature at all: one header.
const call = await fetch(`${server}/e/${endpoint}/echo?hello=agent`, {
  headers: { "x-wallet-address": account.address },
});
console.log(
  "call:",
  call.status,
  "charged",
  call.headers.get("x-credits-charged"),
  await call.json(),
);
console.log("credits after:", (await balance()).credits);
