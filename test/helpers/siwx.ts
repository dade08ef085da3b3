import {
  type CompleteSIWxInfo,
  createSIWxPayload,
  encodeSIWxHeader,
  type SIWxExtension,
} from "@x402/extensions/sign-in-with-x";
import type { LocalAccount } from "viem";
import { signSiwe } from "@/lib/auth/test-helpers";
import { signInChallenge } from "@/lib/auth/wallet-proof";
import type { RunningApp } from "@/lib/server/start";

/** A SIGN-IN-WITH-X header answering a fresh challenge for `path`, with `change` applied. */
export async function siwxHeader(
  app: RunningApp,
  signer: LocalAccount,
  path: string,
  change: Partial<CompleteSIWxInfo> = {},
): Promise<string> {
  const ext = (await signInChallenge(app.ctx, path))["sign-in-with-x"] as SIWxExtension;
  const chain = ext.supportedChains[0];
  if (!chain) throw new Error("no chain in the challenge");
  const info = { ...ext.info, chainId: chain.chainId, type: chain.type, ...change };
  // A message for another domain is what that domain's client would have signed.
  const origin = change.domain ? `https://${change.domain}` : app.ctx.config.publicUrl;
  return encodeSIWxHeader(await createSIWxPayload(info, signer, `${origin}${path}`));
}

/** A header whose payload claims `address` but carries a signature by someone else. */
export function claimAddress(header: string, address: string): string {
  const payload = JSON.parse(Buffer.from(header, "base64").toString("utf8")) as Record<
    string,
    unknown
  >;
  return Buffer.from(JSON.stringify({ ...payload, address })).toString("base64");
}

/** A wallet token from POST /api/auth/token, signed by `signer`. */
export async function walletToken(app: RunningApp, signer: LocalAccount): Promise<string> {
  const { nonce } = (await (await fetch(`${app.url}/api/auth/nonce?purpose=token`)).json()) as {
    nonce: string;
  };
  const server = { publicUrl: app.ctx.config.publicUrl, chainId: app.ctx.payments.chainId };
  const res = await fetch(`${app.url}/api/auth/token`, {
    method: "POST",
    body: JSON.stringify(await signSiwe(signer, server, { nonce })),
  });
  return ((await res.json()) as { token: string }).token;
}
