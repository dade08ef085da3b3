import type { Hex, LocalAccount } from "viem";
import { createSiweMessage, type SiweMessage } from "viem/siwe";

/**
 * A SIWE message for a server at `publicUrl` on `chainId`, signed by `account`; any field
 * can be overridden to build the refusals.
 */
export async function signSiwe(
  account: LocalAccount,
  server: { publicUrl: string; chainId: number },
  fields: Partial<SiweMessage> & { nonce: string },
): Promise<{ message: string; signature: Hex }> {
  const url = new URL(server.publicUrl);
  const message = createSiweMessage({
    address: account.address,
    chainId: server.chainId,
    domain: url.host,
    uri: `${url.origin}/`,
    version: "1",
    statement: "Sign in to x402-credits.",
    ...fields,
  });
  return { message, signature: await account.signMessage({ message }) };
}
