import type { Page } from "@playwright/test";
import { type Hex, numberToHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

/**
 * A test wallet the page sees as an injected EIP-1193 provider announced by EIP-6963.
 * Every request is forwarded to Node, where a real viem local account signs and reads go to
 * the devnet RPC. Tests flip `rejectSignatures` or `chainId` to act like a user or a wallet.
 */
export interface TestWallet {
  address: Hex;
  chainId: number;
  rejectSignatures: boolean;
}

export async function installWallet(
  page: Page,
  config: { rpcUrl: string; chainId: number },
): Promise<TestWallet> {
  const account = privateKeyToAccount(generatePrivateKey());
  const wallet: TestWallet = {
    address: account.address,
    chainId: config.chainId,
    rejectSignatures: false,
  };
  let granted = false;
  const rejected = { error: { code: 4001, message: "User rejected the request." } };

  await page.exposeFunction("__e2eWalletRequest", async (method: string, params: unknown[]) => {
    switch (method) {
      // Like a real wallet: no accounts for the site until the user connects it.
      case "eth_requestAccounts":
        granted = true;
        return { result: [account.address] };
      case "eth_accounts":
        return { result: granted ? [account.address] : [] };
      case "eth_chainId":
        return { result: numberToHex(wallet.chainId) };
      case "wallet_switchEthereumChain": {
        wallet.chainId = Number((params[0] as { chainId: string }).chainId);
        return { result: null };
      }
      case "personal_sign":
        if (wallet.rejectSignatures) return rejected;
        return { result: await account.signMessage({ message: { raw: params[0] as Hex } }) };
      case "eth_signTypedData_v4": {
        if (wallet.rejectSignatures) return rejected;
        const data = JSON.parse(params[1] as string);
        delete data.types.EIP712Domain;
        return { result: await account.signTypedData(data) };
      }
      default: {
        const res = await fetch(config.rpcUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
        });
        return (await res.json()) as { result?: unknown; error?: unknown };
      }
    }
  });

  await page.addInitScript(() => {
    type Listener = (...args: unknown[]) => void;
    const listeners = new Map<string, Set<Listener>>();
    const emit = (event: string, value: unknown) => {
      for (const l of listeners.get(event) ?? []) l(value);
    };
    const call = (window as unknown as Record<string, unknown>).__e2eWalletRequest as (
      m: string,
      p: unknown[],
    ) => Promise<{ result?: unknown; error?: { code: number; message: string } }>;
    const provider = {
      async request({ method, params }: { method: string; params?: unknown[] }) {
        const answer = await call(method, params ?? []);
        if (answer.error) throw Object.assign(new Error(answer.error.message), answer.error);
        if (method === "wallet_switchEthereumChain") {
          emit("chainChanged", (await call("eth_chainId", [])).result);
        }
        return answer.result;
      },
      on(event: string, l: Listener) {
        if (!listeners.has(event)) listeners.set(event, new Set());
        listeners.get(event)?.add(l);
      },
      removeListener(event: string, l: Listener) {
        listeners.get(event)?.delete(l);
      },
    };
    const detail = Object.freeze({
      info: {
        uuid: "6f7b5e1c-0000-4000-8000-00000000e2e0",
        name: "E2E Wallet",
        icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E",
        rdns: "test.e2e.wallet",
      },
      provider,
    });
    const announce = () =>
      window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail }));
    window.addEventListener("eip6963:requestProvider", announce);
    announce();
  });
  return wallet;
}
