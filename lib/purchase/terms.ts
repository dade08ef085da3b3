import { and, eq } from "drizzle-orm";
import { creditPacks, endpoints, type Payment } from "@/db/schema";
import type { AppContext } from "@/lib/app/context";
import type { Pack, ResolvedEndpoint } from "@/lib/endpoints/resolved";
import { ApiError } from "@/lib/http/errors";
import type { PresentedPayment } from "./payment-header";

export interface Refused {
  reason: string;
  message: string;
}

/** Our own checks of a presented payment against the offer, before any database or chain call. */
export function termsMismatch(
  ctx: AppContext,
  endpoint: ResolvedEndpoint,
  pack: Pack,
  presented: PresentedPayment,
): Refused | undefined {
  const expectedNetwork = presented.version === 1 ? ctx.payments.info.v1Name : ctx.payments.network;
  if (presented.network !== expectedNetwork) {
    return {
      reason: "invalid_network",
      message: `This server takes payments on ${expectedNetwork ?? ctx.payments.network}.`,
    };
  }
  const accepted = (presented.payload as { accepted?: { asset?: string } }).accepted;
  if (
    presented.version === 2 &&
    accepted?.asset?.toLowerCase() !== ctx.payments.asset.address.toLowerCase()
  ) {
    return { reason: "invalid_asset", message: `Packs are paid in ${ctx.payments.asset.address}.` };
  }
  const auth = presented.authorization;
  // Self-dealing: it would only burn the operator's gas.
  if (auth.from.toLowerCase() === auth.to.toLowerCase()) {
    return { reason: "invalid_payer_is_payee", message: "The payer is the payee." };
  }
  if (auth.to.toLowerCase() !== endpoint.payTo.toLowerCase()) {
    return {
      reason: "invalid_exact_evm_payload_recipient_mismatch",
      message: "The payment is not to this endpoint's payout address.",
    };
  }
  if (BigInt(auth.value) !== pack.price) {
    return {
      reason: "invalid_exact_evm_payload_authorization_value",
      message: `The ${pack.name} pack costs exactly ${pack.price} atomic units.`,
    };
  }
  const offered = offeredTerms(presented);
  if (offered && (offered.pack !== pack.id || offered.credits !== pack.credits)) {
    return termsChanged();
  }
  return undefined;
}

/**
 * The pack terms the buyer's challenge offered, as an x402 v2 client echoes them back in
 * `accepted.extra` (`packRequirements` puts them there). v1 payloads echo nothing.
 */
export function offeredTerms(
  presented: PresentedPayment,
): { pack: string; credits: bigint } | undefined {
  const extra = (presented.payload as { accepted?: { extra?: Record<string, unknown> } }).accepted
    ?.extra;
  const pack = extra?.pack;
  const credits = extra?.credits;
  if (typeof pack !== "string" || typeof credits !== "string" || !/^\d{1,30}$/.test(credits))
    return undefined;
  return { pack, credits: BigInt(credits) };
}

/**
 * The endpoint and pack as the database has them now (not the cache): a paused or deleted
 * endpoint, or a pack whose terms are no longer those offered, is refused before any
 * settlement. A payment that names no offer (v1) is refused while the endpoint's terms
 * changed within one challenge lifetime, since the buyer may have seen the old ones.
 * Returns the credits the purchase is worth.
 */
export async function liveTerms(
  ctx: AppContext,
  endpoint: ResolvedEndpoint,
  pack: Pack,
  presented: PresentedPayment,
): Promise<{ kind: "ok"; credits: bigint } | ({ kind: "refused" } & Refused)> {
  const [row] = await ctx.db
    .select({
      paused: endpoints.paused,
      deletedAt: endpoints.deletedAt,
      payTo: endpoints.payTo,
      createdAt: endpoints.createdAt,
      updatedAt: endpoints.updatedAt,
      credits: creditPacks.credits,
      price: creditPacks.priceAtomic,
    })
    .from(endpoints)
    .leftJoin(
      creditPacks,
      and(eq(creditPacks.endpointId, endpoints.id), eq(creditPacks.id, pack.id)),
    )
    .where(eq(endpoints.id, endpoint.id))
    .limit(1);
  if (!row || row.deletedAt) {
    throw new ApiError("endpoint_not_found", `No endpoint named "${endpoint.slug}".`);
  }
  if (row.paused) {
    throw new ApiError(
      "endpoint_paused",
      `The endpoint "${endpoint.slug}" is paused by its provider.`,
    );
  }
  const changed =
    row.credits !== pack.credits ||
    row.price !== pack.price ||
    row.payTo.toLowerCase() !== endpoint.payTo.toLowerCase();
  const windowMs = ctx.payments.maxTimeoutSeconds * 1_000;
  const recentlyChanged =
    row.updatedAt > row.createdAt && Date.now() - row.updatedAt.getTime() < windowMs;
  const unanchored = !offeredTerms(presented) && recentlyChanged;
  if (changed || unanchored) return { kind: "refused", ...termsChanged() };
  return { kind: "ok", credits: pack.credits };
}

/** Whether `presented` is the very authorization and signature recorded in `payment`. */
export function sameAuthorization(payment: Payment, presented: PresentedPayment): boolean {
  const stored = (payment.payload as { payload?: { payload?: unknown } }).payload?.payload as
    | { signature?: string; authorization?: Record<string, unknown> }
    | undefined;
  return fingerprint(stored) === fingerprint(presented.payload.payload as typeof stored);
}

function fingerprint(
  exact: { signature?: string; authorization?: Record<string, unknown> } | undefined,
): string {
  const a = exact?.authorization ?? {};
  return JSON.stringify(
    [exact?.signature, a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce].map((v) =>
      String(v ?? "").toLowerCase(),
    ),
  );
}

function termsChanged(): Refused {
  return {
    reason: "pack_terms_changed",
    message:
      "The pack's terms changed since this payment was signed; nothing was charged. Pay the new offer.",
  };
}
