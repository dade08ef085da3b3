import { isValidPaymentId, PAYMENT_IDENTIFIER } from "@x402/extensions/payment-identifier";
import { z } from "zod";
import { ApiError } from "@/lib/http/errors";

const echoed = z.object({ info: z.object({ id: z.unknown() }).loose() }).loose();

/**
 * The id a payment's `extensions` carry: undefined when there is none, "invalid" when one is
 * there but breaks the extension's format (16-128 of `[A-Za-z0-9_-]`). Only `info.id` is read:
 * the package's own validator compiles whatever JSON Schema the client echoed back, which is
 * neither needed (the schema is ours) nor safe to run on untrusted input.
 */
export function paymentIdentifierOf(
  extensions: Record<string, unknown> | undefined,
): string | "invalid" | undefined {
  const extension = extensions?.[PAYMENT_IDENTIFIER];
  if (extension === undefined) return undefined;
  const parsed = echoed.safeParse(extension);
  if (!parsed.success || parsed.data.info.id === undefined) return undefined;
  const id = parsed.data.info.id;
  return typeof id === "string" && isValidPaymentId(id) ? id : "invalid";
}

export function paymentIdentifierReused(): ApiError {
  return new ApiError(
    "payment_identifier_reused",
    "This payment-identifier was already used by this payer for a different payment at this endpoint; nothing was charged. Send the same payment to get its answer, or use a new id for a new payment.",
  );
}
