import {
  type Chain,
  createWalletClient,
  type EIP1193RequestFn,
  type Hex,
  http,
  numberToHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { injected } from "wagmi/connectors";

/**
 * Anvil's public test account #5 ("test test … junk" mnemonic). Its key is published in
 * every Foundry install, so it only ever holds devnet money — never use it elsewhere.
 */
const DEV_KEY: Hex = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";

const GRANTED = "x402-credits.dev-wallet.granted";

/**
 * An EIP-1193 provider over a local account: signs in the page, forwards reads to the
 * devnet RPC. Lets people try the product on the devnet without a browser extension.
 */
function devProvider(chain: Chain, rpcUrl: string) {
  const account = privateKeyToAccount(DEV_KEY);
  const client = createWalletClient({ account, chain, transport: http(rpcUrl) });
  const request = (async ({ method, params }: { method: string; params?: unknown }) => {
    const args = (params ?? []) as unknown[];
    switch (method) {
      // Like a real wallet: no accounts until the user connects, so wagmi's reconnect does
      // not pick the dev wallet on its own. Remembered per browser for reloads.
      case "eth_requestAccounts":
        localStorage.setItem(GRANTED, "1");
        return [account.address];
      case "eth_accounts":
        return globalThis.localStorage?.getItem(GRANTED) ? [account.address] : [];
      case "wallet_revokePermissions":
        localStorage.removeItem(GRANTED);
        return null;
      case "eth_chainId":
        return numberToHex(chain.id);
      case "wallet_switchEthereumChain":
      case "wallet_addEthereumChain":
        return null;
      case "personal_sign":
        return account.signMessage({ message: { raw: args[0] as Hex } });
      case "eth_signTypedData_v4": {
        const data = JSON.parse(args[1] as string);
        delete data.types.EIP712Domain;
        return account.signTypedData(data);
      }
      default:
        return client.request({ method, params } as never);
    }
  }) as EIP1193RequestFn;
  return { request, on: () => {}, removeListener: () => {} };
}

/** The devnet-only "Dev wallet" connector. */
export function devWallet(chain: Chain, rpcUrl: string) {
  return injected({
    shimDisconnect: true,
    target: () => ({
      id: "devWallet",
      name: "Dev wallet (devnet only)",
      provider: devProvider(chain, rpcUrl) as never,
    }),
  });
}
