import type { Hex } from "viem";
import { z } from "zod";
import { clientKey } from "@/lib/http/client-ip";
import { ApiError } from "@/lib/http/errors";
import { allowMethods, type Handler } from "@/lib/http/handler";
import { parseJsonBody } from "@/lib/http/json-body";
import { parseQuery } from "@/lib/http/query";
import { refuseCrossSite } from "@/lib/http/same-site";
import { checksumWallet } from "@/lib/wallet";
import { type ApiKeyInfo, createApiKey, listApiKeys, revokeApiKey } from "./api-keys";
import { issueNonce } from "./nonces";
import { requireProvider, requireSession } from "./principal";
import { createSession, endSession, readSession } from "./session";
import { verifySiwe } from "./siwe";
import { issueWalletToken } from "./wallet-tokens";

const NO_STORE = { "cache-control": "no-store" };

export const signedMessageSchema = z.object({
  message: z.string().min(1).max(4096),
  signature: z
    .string()
    .max(20_000)
    .regex(/^0x[0-9a-fA-F]+$/, "must be a 0x-prefixed hex signature")
    .transform((s) => s as Hex),
});
export const nonceQuery = z.object({ purpose: z.enum(["session", "token"]).default("session") });
const createKeySchema = z.object({ name: z.string().trim().min(1).max(100) });
const revokeKeyQuery = z.object({ id: z.guid() });

/** GET /api/auth/nonce[?purpose=token] — a single-use nonce for a SIWE message. */
export const handleNonce: Handler = allowMethods(["GET", "HEAD"], async (request, ctx) => {
  const { purpose } = parseQuery(new URL(request.url), nonceQuery);
  await ctx.limits.take("nonces", clientKey(request));
  return Response.json({ nonce: await issueNonce(ctx.db, purpose) }, { headers: NO_STORE });
});

/** POST /api/auth/verify — signs in with SIWE: session cookie + the checksummed address. */
export const handleVerify: Handler = allowMethods(["POST"], async (request, ctx) => {
  refuseCrossSite(request, ctx.config.publicUrl);
  await ctx.limits.take("signIns", clientKey(request));
  const address = await verifySiwe(
    ctx,
    await parseJsonBody(request, signedMessageSchema),
    "session",
  );
  const { setCookie } = await createSession(ctx, address);
  return Response.json(
    { address: checksumWallet(address) },
    { headers: { ...NO_STORE, "set-cookie": setCookie } },
  );
});

/** GET /api/auth/session — who is signed in. */
export const handleSession: Handler = allowMethods(["GET", "HEAD"], async (request, ctx) => {
  const session = await readSession(ctx, request);
  if (!session) throw new ApiError("authentication_required", "No active session.");
  return Response.json({ address: checksumWallet(session.address) }, { headers: NO_STORE });
});

/**
 * POST /api/auth/logout — revokes the session and the wallet's bearer tokens, and clears
 * the cookie (idempotent).
 */
export const handleLogout: Handler = allowMethods(["POST"], async (request, ctx) => {
  refuseCrossSite(request, ctx.config.publicUrl);
  const { setCookie } = await endSession(ctx, request);
  return Response.json({ ok: true }, { headers: { ...NO_STORE, "set-cookie": setCookie } });
});

/** POST /api/auth/token — a 15-minute bearer token proving a wallet, for signed endpoints. */
export const handleToken: Handler = allowMethods(["POST"], async (request, ctx) => {
  await ctx.limits.take("signIns", clientKey(request));
  const address = await verifySiwe(ctx, await parseJsonBody(request, signedMessageSchema), "token");
  const { token, expiresAt } = await issueWalletToken(ctx.db, address);
  return Response.json(
    { token, address: checksumWallet(address), expiresAt: expiresAt.toISOString() },
    { headers: NO_STORE },
  );
});

function keyJson(k: ApiKeyInfo) {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  };
}

/**
 * GET|POST|DELETE /api/provider/keys — list, create (secret shown once), revoke. Listing
 * accepts a key; minting and revoking need a session, so a leaked key cannot mint more.
 */
export const handleProviderKeys: Handler = allowMethods(
  ["GET", "HEAD", "POST", "DELETE"],
  async (request, ctx) => {
    if (request.method === "POST") {
      const { address } = await requireSession(ctx, request);
      const { name } = await parseJsonBody(request, createKeySchema);
      const { key, apiKey } = await createApiKey(ctx.db, address, name);
      return Response.json({ key, apiKey: keyJson(apiKey) }, { status: 201, headers: NO_STORE });
    }
    if (request.method === "DELETE") {
      const { address } = await requireSession(ctx, request);
      const { id } = parseQuery(new URL(request.url), revokeKeyQuery);
      if (!(await revokeApiKey(ctx.db, address, id))) {
        throw new ApiError("not_found", "No such API key.");
      }
      return Response.json({ revoked: true });
    }
    const { address } = await requireProvider(ctx, request);
    const keys = await listApiKeys(ctx.db, address);
    return Response.json({ keys: keys.map(keyJson) }, { headers: NO_STORE });
  },
);
