import { SIGN_IN_WITH_X } from "@x402/extensions/sign-in-with-x";
import type { AppContext } from "@/lib/app/context";
import { proveBySignIn, signInChallenge, verifyWalletProof } from "@/lib/auth/wallet-proof";
import type { ResolvedEndpoint } from "@/lib/endpoints/resolved";
import { ApiError } from "@/lib/http/errors";
import { metrics } from "@/lib/metrics/metrics";
import { parseWallet } from "@/lib/wallet";
import { type ChallengeFacts, challengeResponse } from "@/lib/x402/challenge";
import { parseGatewayTarget } from "./path";

/** Who calls without a payment: a wallet (proven or merely named), nobody, or a refusal. */
export type UnpaidCaller =
  | { kind: "wallet"; wallet: string }
  | { kind: "anonymous" }
  | { kind: "response"; response: Response };

/**
 * Every gateway 402 declares sign-in-with-x: a returning customer's x402 client (which sends
 * no x-wallet-address) answers it, proves its wallet and spends its credits instead of
 * buying another pack.
 */
export async function gatewayChallenge(
  ctx: AppContext,
  endpoint: ResolvedEndpoint,
  request: Request,
  facts: ChallengeFacts,
): Promise<Response> {
  metrics.gatewayCalls.inc({ outcome: "payment_required" });
  return challengeResponse(ctx.payments, ctx.config.publicUrl, endpoint, {
    ...facts,
    extensions: { ...facts.extensions, ...(await signInChallenge(ctx, request.url)) },
    // What the Bazaar extension describes: this call, priced as the gateway prices it.
    call: {
      method: request.method,
      path: parseGatewayTarget(new URL(request.url)).path,
      contentType: request.headers.get("content-type"),
    },
  });
}

/**
 * The wallet of a call that carries no payment. A SIGN-IN-WITH-X header alone identifies it;
 * on a `header` endpoint x-wallet-address is enough; a `signed` endpoint needs a proof (the
 * sign-in, or a wallet token) and answers its absence with a 402 carrying the sign-in
 * challenge, which official x402 clients answer (they do not react to a 401).
 */
export async function unpaidCaller(
  ctx: AppContext,
  endpoint: ResolvedEndpoint,
  request: Request,
  cost: bigint,
): Promise<UnpaidCaller> {
  const header = request.headers.get("x-wallet-address");
  const claimed = header === null ? undefined : parseWallet(header);
  if (claimed === undefined) {
    const signIn = request.headers.get(SIGN_IN_WITH_X);
    if (!signIn) return { kind: "anonymous" };
    const proof = await proveBySignIn(ctx, signIn);
    if ("wallet" in proof) return { kind: "wallet", wallet: proof.wallet };
    return {
      kind: "response",
      response: await refusal(ctx, endpoint, request, cost, proof.failure),
    };
  }
  if (endpoint.walletAuth !== "signed") return { kind: "wallet", wallet: claimed };
  const refused = await requireProof(ctx, endpoint, request, claimed, cost);
  return refused ? { kind: "response", response: refused } : { kind: "wallet", wallet: claimed };
}

/**
 * On a `signed` endpoint: nothing when the request proves `wallet` (SIGN-IN-WITH-X, or a
 * wallet token), else the 402 that asks for the proof.
 */
export async function requireProof(
  ctx: AppContext,
  endpoint: ResolvedEndpoint,
  request: Request,
  wallet: string,
  cost: bigint,
): Promise<Response | undefined> {
  try {
    await verifyWalletProof(ctx, request, wallet);
    return undefined;
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== "wallet_proof_required") throw err;
    return refusal(ctx, endpoint, request, cost, err.message);
  }
}

async function refusal(
  ctx: AppContext,
  endpoint: ResolvedEndpoint,
  request: Request,
  cost: bigint,
  message: string,
): Promise<Response> {
  const base = ctx.config.publicUrl;
  return gatewayChallenge(ctx, endpoint, request, {
    error: "wallet_proof_required",
    message,
    required: cost,
    body: {
      tokenUrl: `${base}/api/auth/token`,
      nonceUrl: `${base}/api/auth/nonce?purpose=token`,
    },
  });
}
