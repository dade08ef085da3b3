import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { x402Facilitator } from "@x402/core/facilitator";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { toFacilitatorEvmSigner } from "@x402/evm";
import { registerExactEvmScheme } from "@x402/evm/exact/facilitator";
import { createWalletClient, defineChain, http, publicActions } from "viem";
import { mnemonicToAccount } from "viem/accounts";

/**
 * A remote x402 facilitator (the HTTP API the server's FACILITATOR=URL client speaks) that
 * verifies and settles for real on a devnet, but answers /settle only `lateMs` after the
 * transfer: the payment happens and the purchase request never hears about it in time.
 * Settles from anvil's test account #7, which the devnet itself leaves alone.
 */
export async function startLateFacilitator(lateMs: number) {
  let real: x402Facilitator | undefined;
  const settled: string[] = [];
  const answered: string[] = [];
  const server = createServer(async (req, res) => {
    const body = JSON.parse(await text(req)) as {
      paymentPayload: PaymentPayload;
      paymentRequirements: PaymentRequirements;
    };
    if (!real) return void res.writeHead(503).end();
    let answer: unknown;
    if (req.url === "/verify") {
      answer = await real.verify(body.paymentPayload, body.paymentRequirements);
    } else if (req.url === "/settle") {
      const result = await real.settle(body.paymentPayload, body.paymentRequirements);
      if (result.transaction) settled.push(result.transaction);
      await new Promise((r) => setTimeout(r, lateMs));
      answer = result;
      answered.push(result.transaction);
    } else return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    settled,
    answered,
    /** Points it at the devnet of the server that uses it (known once that server runs). */
    bind(target: { rpcUrl: string; chainId: number; network: string }) {
      real = devnetFacilitator(target);
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function text(req: IncomingMessage): Promise<string> {
  let s = "";
  for await (const chunk of req) s += chunk;
  return s || "{}";
}

/** x402's own EVM facilitator on the devnet (lib/ has one too; its JSON imports keep it
 * out of Playwright's loader). */
function devnetFacilitator({
  rpcUrl,
  chainId,
  network,
}: {
  rpcUrl: string;
  chainId: number;
  network: string;
}) {
  const account = mnemonicToAccount("test test test test test test test test test test test junk", {
    addressIndex: 7,
  });
  const chain = defineChain({
    id: chainId,
    name: "devnet",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  // A short polling interval, or viem waits 4 s for each receipt on a custom chain.
  const client = createWalletClient({
    account,
    chain,
    transport: http(rpcUrl),
    pollingInterval: 50,
  }).extend(publicActions);
  const facilitator = new x402Facilitator();
  registerExactEvmScheme(facilitator, {
    signer: toFacilitatorEvmSigner({
      address: account.address,
      readContract: (args) =>
        client.readContract(args as Parameters<typeof client.readContract>[0]),
      verifyTypedData: (args) =>
        client.verifyTypedData(args as Parameters<typeof client.verifyTypedData>[0]),
      writeContract: (args) =>
        client.writeContract(args as Parameters<typeof client.writeContract>[0]),
      sendTransaction: (args) => client.sendTransaction(args),
      waitForTransactionReceipt: (args) => client.waitForTransactionReceipt(args),
      getCode: (args) => client.getCode(args),
    }),
    networks: network as PaymentRequirements["network"],
  });
  return facilitator;
}
