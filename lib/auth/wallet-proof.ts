import {
  buildSIWxSchema,
  parseSIWxHeader,
  SIGN_IN_WITH_X,
  type SIWxExtension,
  type SIWxPayload,
  validateSIWxMessage,
  verifySIWxSignature,
} from "@x402/extensions/sign-in-with-x";
import type { AppContext } from "@/lib/app/context";
import { ApiError } from "@/lib/http/errors";
import { consumeSignedNonce, issueSignedNonce } from "./nonces";
import { bearerToken } from "./principal";
import { WALLET_TOKEN_PREFIX, walletOfToken } from "./wallet-tokens";

/** validateSIWxMessage refuses an issuedAt older than 5 minutes; the nonce lives as long. */
const CHALLENGE_TTL_MS = 5 * 60_000;
const STATEMENT = "Sign in to prove you control this wallet.";

/**
 * The `extensions` object of a sign-in challenge: the x402 sign-in-with-x extension with a
 * fresh single-use nonce, for this server's domain and chain. `resource` (a URL or path)
 * becomes the message URI, rebased on PUBLIC_URL; default: the site root.
 */
export async function signInChallenge(
  ctx: AppContext,
  resource?: string,
): Promise<Record<string, unknown>> {
  const origin = new URL(ctx.config.publicUrl);
  const target = new URL(resource ?? "/", origin);
  const uri = `${origin.origin}${target.pathname}${target.search}`;
  const issuedAt = new Date();
  const extension: SIWxExtension = {
    info: {
      domain: origin.host,
      uri,
      statement: STATEMENT,
      version: "1",
      nonce: issueSignedNonce(ctx.config.appSecret, "siwx", CHALLENGE_TTL_MS),
      issuedAt: issuedAt.toISOString(),
      expirationTime: new Date(issuedAt.getTime() + CHALLENGE_TTL_MS).toISOString(),
      resources: [uri],
    },
    supportedChains: [{ chainId: ctx.payments.network, type: "eip191" }],
    schema: buildSIWxSchema(),
  };
  return { [SIGN_IN_WITH_X]: extension };
}

/**
 * The wallet a SIGN-IN-WITH-X header proves (its nonce is then used up), or why it proves
 * none. With `wallet`, the header must prove that very wallet.
 */
export async function proveBySignIn(
  ctx: AppContext,
  header: string,
  wallet?: string,
): Promise<{ wallet: string } | { failure: string }> {
  let payload: SIWxPayload;
  try {
    payload = parseSIWxHeader(header);
  } catch {
    return { failure: "SIGN-IN-WITH-X is malformed: it is not a base64 JSON sign-in payload." };
  }
  const validation = await validateSIWxMessage(payload, new URL(ctx.config.publicUrl));
  if (!validation.isValid)
    return { failure: `SIGN-IN-WITH-X refused: ${validation.invalidMessage}.` };
  if (payload.chainId !== ctx.payments.network) {
    return {
      failure: `SIGN-IN-WITH-X is for ${payload.chainId}; this server uses ${ctx.payments.network}.`,
    };
  }
  const signer = payload.address.toLowerCase();
  if (wallet !== undefined && signer !== wallet) {
    return { failure: "SIGN-IN-WITH-X proves a different wallet than x-wallet-address." };
  }
  const publicClient = ctx.chain.publicClient;
  try {
    const verified = await verifySIWxSignature(payload, {
      // EOA signatures are recovered locally; contract wallets are asked through the RPC.
      evmVerifier: (args) => publicClient.verifyMessage({ ...args, mode: "eoa" }),
    });
    if (!verified.isValid)
      return { failure: `SIGN-IN-WITH-X refused: ${verified.invalidMessage}.` };
  } catch {
    // The message could not be rebuilt for verification (e.g. a field SIWE forbids).
    return { failure: "SIGN-IN-WITH-X refused: its message cannot be verified." };
  }
  // Last, so a forged header cannot burn a genuine nonce.
  if (!(await consumeSignedNonce(ctx.db, ctx.config.appSecret, payload.nonce, "siwx"))) {
    return {
      failure: "SIGN-IN-WITH-X nonce is unknown, expired or already used; sign the new challenge.",
    };
  }
  return { wallet: signer };
}

async function tokenFailure(
  ctx: AppContext,
  token: string,
  wallet: string,
): Promise<string | null> {
  const owner = await walletOfToken(ctx.db, token);
  if (owner === null) return "The wallet token is invalid or expired; get a new one.";
  return owner === wallet ? null : "The wallet token belongs to a different wallet.";
}

/**
 * Proves that the caller controls `wallet` (lower-case) by a SIGN-IN-WITH-X header (single
 * use) or `Authorization: Bearer xc_at_…` from POST /api/auth/token. Other bearer tokens
 * are left alone: they may be meant for the origin. Refusal: wallet_proof_required
 * carrying a fresh challenge.
 */
export async function verifyWalletProof(
  ctx: AppContext,
  request: Request,
  wallet: string,
): Promise<void> {
  const failures: string[] = [];
  const header = request.headers.get(SIGN_IN_WITH_X);
  if (header) {
    const proof = await proveBySignIn(ctx, header, wallet);
    if ("wallet" in proof) return;
    failures.push(proof.failure);
  }
  const token = bearerToken(request);
  if (token?.startsWith(WALLET_TOKEN_PREFIX)) {
    const failure = await tokenFailure(ctx, token, wallet);
    if (failure === null) return;
    failures.push(failure);
  }
  const base = ctx.config.publicUrl;
  throw new ApiError(
    "wallet_proof_required",
    failures[0] ??
      "This endpoint needs proof that you control x-wallet-address: a SIGN-IN-WITH-X header, or Authorization: Bearer <token from POST /api/auth/token>.",
    {
      extensions: await signInChallenge(ctx, request.url),
      tokenUrl: `${base}/api/auth/token`,
      nonceUrl: `${base}/api/auth/nonce?purpose=token`,
    },
  );
}
