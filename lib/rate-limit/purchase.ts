import type { AppContext } from "@/lib/app/context";
import { clientKey } from "@/lib/http/client-ip";
import { log } from "@/lib/log/logger";

/**
 * Runs a purchase under its rate limits: every request carrying a payment counts for its
 * client address; a payer may buy only so often. The payer's allowance is checked before
 * and spent only once the payment verified, so a payment that merely names someone as its
 * payer (forged, unsigned) can never use up that payer's allowance.
 */
export async function withPurchaseLimits<T extends { kind: string }>(
  ctx: AppContext,
  request: Request,
  payer: string | undefined,
  buy: () => Promise<T>,
): Promise<T> {
  await ctx.limits.take("paymentAttempts", clientKey(request));
  const key = payer?.toLowerCase();
  if (key) await ctx.limits.check("purchases", key);
  const outcome = await buy();
  // Bookkeeping after the fact never hides the purchase's answer (money may have moved):
  // an allowance the database could not record is simply not spent.
  if (key && outcome.kind !== "invalid") {
    await ctx.limits.spend("purchases", key).catch((err: unknown) => {
      log().warn({ err, payer: key }, "rate limit: could not count a purchase");
    });
  }
  return outcome;
}
