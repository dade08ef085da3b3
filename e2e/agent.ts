import { ExactEvmScheme } from "@x402/evm/exact/client";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { baseUrl } from "./helpers";

/**
 * A fresh agent wallet that bought `slug`'s first pack the way agents do (devnet faucet,
 * then the official x402 client against the purchase URL). Returns its address.
 */
export async function agentWithCredits(slug: string): Promise<string> {
  const account = privateKeyToAccount(generatePrivateKey());
  const config = (await (await fetch(`${baseUrl()}/api/config`)).json()) as {
    network: `${string}:${string}`;
    asset: { address: string };
  };
  const faucet = await fetch(`${baseUrl()}/api/dev/faucet`, {
    method: "POST",
    body: JSON.stringify({ address: account.address, amount: "5" }),
  });
  if (!faucet.ok) throw new Error(`faucet: ${faucet.status}`);
  const client = new x402Client().register(config.network, new ExactEvmScheme(account));
  client.setSpendControls({
    allowedAssets: [{ network: config.network, asset: config.asset.address }],
  });
  const packs = (await (await fetch(`${baseUrl()}/api/credits/packs?endpoint=${slug}`)).json()) as {
    packs: { purchaseUrl: string }[];
  };
  const url = packs.packs[0]?.purchaseUrl;
  if (!url) throw new Error(`${slug} sells no packs`);
  const bought = await wrapFetchWithPayment(fetch, client)(url, { method: "POST" });
  if (bought.status !== 200) throw new Error(`purchase: ${bought.status} ${await bought.text()}`);
  return account.address;
}
