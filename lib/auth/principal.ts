import type { AppContext } from "@/lib/app/context";
import { ApiError } from "@/lib/http/errors";
import { refuseCrossSite } from "@/lib/http/same-site";
import { API_KEY_PREFIX, authenticateApiKey } from "./api-keys";
import { readSession } from "./session";

/** The token of an `Authorization: Bearer …` header, or null. */
export function bearerToken(request: Request): string | null {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.get("authorization") ?? "");
  return match?.[1] ?? null;
}

/** The signed-in wallet (session cookie only); API keys are refused. */
export async function requireSession(
  ctx: AppContext,
  request: Request,
): Promise<{ address: string }> {
  const session = await readSession(ctx, request);
  if (!session) {
    throw new ApiError(
      "authentication_required",
      "Sign in first: GET /api/auth/nonce, then POST /api/auth/verify with a signed SIWE message.",
    );
  }
  refuseCrossSite(request, ctx.config.publicUrl);
  return { address: session.address };
}

/**
 * A provider, by session cookie or `Authorization: Bearer xc_sk_…`. A presented API key
 * that fails is refused even when a cookie is present, so a broken integration is noticed.
 */
export async function requireProvider(
  ctx: AppContext,
  request: Request,
): Promise<{ address: string; via: "session" | "api_key" }> {
  const token = bearerToken(request);
  if (token?.startsWith(API_KEY_PREFIX)) {
    const key = await authenticateApiKey(ctx.db, token);
    if (!key) throw new ApiError("authentication_required", "The API key is invalid or revoked.");
    return { address: key.owner, via: "api_key" };
  }
  const session = await readSession(ctx, request);
  if (!session) {
    throw new ApiError(
      "authentication_required",
      "Sign in (session cookie) or send Authorization: Bearer <provider API key>.",
    );
  }
  refuseCrossSite(request, ctx.config.publicUrl);
  return { address: session.address, via: "session" };
}

/** A buyer: the signed-in wallet, by session only. */
export function requireBuyer(ctx: AppContext, request: Request): Promise<{ address: string }> {
  return requireSession(ctx, request);
}
