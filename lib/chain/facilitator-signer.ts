import { toFacilitatorEvmSigner } from "@x402/evm";
import {
  type Abi,
  concatHex,
  encodeFunctionData,
  type HDAccount,
  http,
  type LocalAccount,
  publicActions,
} from "viem";
import { type DevnetTarget, devnetWalletClient } from "./devnet";
import { orderedSender } from "./ordered-sender";
import { observed } from "./rpc-observer";

export type FacilitatorSigner = ReturnType<typeof toFacilitatorEvmSigner>;

/**
 * The signer x402's EVM facilitator verifies and settles with. Its transactions go out in
 * nonce order without races (`orderedSender`), and its RPC calls are observed, so a
 * settlement can tell "refused" from "may have moved" (`observeRpc`). Receipt waits use
 * the devnet's short polling, so a settle returns within milliseconds of the block rather
 * than on viem's 4 s custom-chain default.
 */
export function devnetFacilitatorSigner(
  target: DevnetTarget,
  account: HDAccount | LocalAccount,
): FacilitatorSigner {
  const client = devnetWalletClient(target, account, observed(http(target.rpcUrl))).extend(
    publicActions,
  );
  const send = orderedSender(client, account);
  return toFacilitatorEvmSigner(
    {
      address: account.address,
      // viem's generics want a literal ABI; x402 passes its own ABIs as plain arrays.
      readContract: (args) =>
        client.readContract(args as Parameters<typeof client.readContract>[0]),
      verifyTypedData: (args) =>
        client.verifyTypedData(args as Parameters<typeof client.verifyTypedData>[0]),
      writeContract: ({ address, abi, functionName, args, dataSuffix }) => {
        const data = encodeFunctionData({ abi: abi as Abi, functionName, args });
        return send({ to: address, data: dataSuffix ? concatHex([data, dataSuffix]) : data });
      },
      sendTransaction: (args) => send(args),
      waitForTransactionReceipt: (args) => client.waitForTransactionReceipt(args),
      getCode: (args) => client.getCode(args),
    },
    { confirmationTimeoutMs: 30_000 },
  );
}
