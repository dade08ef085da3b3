import type {
  Account,
  Chain,
  Hash,
  Hex,
  LocalAccount,
  PublicActions,
  TransactionSerializable,
  Transport,
  WalletClient,
} from "viem";
import { serially } from "./serial-queue";

export interface TransactionRequest {
  to: Hex;
  data: Hex;
}

/**
 * Sends one account's transactions without nonce races. Gas and fees are estimated in
 * parallel; only "take the next nonce, sign, send" runs one at a time per account, with
 * the nonce kept here. After any failed send the next one asks the node for its pending
 * count again: a send whose answer was lost may have been accepted, so no nonce is reused
 * and none is skipped.
 */
export function orderedSender(
  client: WalletClient<Transport, Chain, Account> & PublicActions<Transport, Chain>,
  account: LocalAccount,
): (request: TransactionRequest) => Promise<Hash> {
  let nextNonce: number | undefined;
  const queue = `${client.transport.url ?? client.uid} ${account.address}`;
  return async (request) => {
    const prepared = await client.prepareTransactionRequest({
      account,
      chain: client.chain,
      to: request.to,
      data: request.data,
      parameters: ["fees", "gas", "chainId", "type"],
    });
    return serially(queue, async () => {
      nextNonce ??= await client.getTransactionCount({
        address: account.address,
        blockTag: "pending",
      });
      const serializedTransaction = await account.signTransaction({
        ...(prepared as TransactionSerializable),
        nonce: nextNonce,
      });
      try {
        const hash = await client.sendRawTransaction({ serializedTransaction });
        nextNonce++;
        return hash;
      } catch (err) {
        nextNonce = undefined;
        throw err;
      }
    });
  };
}
