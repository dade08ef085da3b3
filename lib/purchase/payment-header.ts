import { decodePaymentSignatureHeader } from "@x402/core/http";
import type { PaymentPayload } from "@x402/core/types";
import { z } from "zod";
import { paymentIdentifierOf } from "./payment-identifier";

const hex = (bytes: number) => z.string().regex(new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`));
const uint = z
  .union([z.string().regex(/^\d{1,78}$/), z.number().int().nonnegative()])
  .transform(String);

const authorizationSchema = z.object({
  from: hex(20),
  to: hex(20),
  value: uint,
  validAfter: uint,
  validBefore: uint,
  nonce: hex(32),
});

const exactPayloadSchema = z.object({
  signature: z.string().regex(/^0x[0-9a-fA-F]+$/),
  authorization: authorizationSchema,
});

export type Authorization = z.infer<typeof authorizationSchema>;

/** A decoded x402 payment, either wire version, with the EIP-3009 authorization it carries. */
export interface PresentedPayment {
  version: 1 | 2;
  /** The payload as the facilitator wants it (v1 payloads keep their v1 shape). */
  payload: PaymentPayload;
  authorization: Authorization;
  /** The v1 network name, or the v2 `accepted.network`. */
  network: string;
  /** The x402 payment-identifier the client sent (validated), its idempotency key. */
  paymentId?: string;
}

export function paymentHeader(headers: Headers): { version: 1 | 2; value: string } | undefined {
  const v2 = headers.get("payment-signature");
  if (v2) return { version: 2, value: v2 };
  const v1 = headers.get("x-payment");
  return v1 ? { version: 1, value: v1 } : undefined;
}

/** Decodes PAYMENT-SIGNATURE (v2) or X-PAYMENT (v1); throws InvalidPayment with the reason. */
export function parsePayment(header: { version: 1 | 2; value: string }): PresentedPayment {
  let decoded: unknown;
  try {
    decoded =
      header.version === 2
        ? decodePaymentSignatureHeader(header.value)
        : JSON.parse(Buffer.from(header.value, "base64").toString("utf8"));
  } catch {
    throw invalid("invalid_payload", "The payment header is not base64-encoded JSON.");
  }
  const shape = z
    .object({
      x402Version: z.literal(header.version),
      scheme: z.string().optional(),
      network: z.string().optional(),
      accepted: z.object({ scheme: z.string(), network: z.string() }).loose().optional(),
      payload: exactPayloadSchema,
      extensions: z.record(z.string(), z.unknown()).optional(),
    })
    .loose()
    .safeParse(decoded);
  if (!shape.success) {
    throw invalid("invalid_payload", "The payment is not an x402 `exact` EVM payment.");
  }
  const data = shape.data;
  const network = header.version === 2 ? data.accepted?.network : data.network;
  const scheme = header.version === 2 ? data.accepted?.scheme : data.scheme;
  if (!network || scheme !== "exact") {
    throw invalid("unsupported_scheme", "Only the x402 `exact` scheme is accepted.");
  }
  const paymentId = paymentIdentifierOf(data.extensions);
  if (paymentId === "invalid") {
    throw invalid(
      "invalid_payment_identifier",
      "The payment-identifier id must be 16 to 128 characters of A-Z, a-z, 0-9, _ and -.",
    );
  }
  return {
    version: header.version,
    payload: decoded as PaymentPayload,
    authorization: data.payload.authorization,
    network,
    paymentId,
  };
}

/** The payer a payment header names (unverified), or undefined when it cannot be read. */
export function claimedPayer(header: { version: 1 | 2; value: string }): string | undefined {
  try {
    return parsePayment(header).authorization.from;
  } catch (err) {
    if (err instanceof InvalidPayment) return undefined;
    throw err;
  }
}

export class InvalidPayment extends Error {
  override name = "InvalidPayment";
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

function invalid(reason: string, message: string): InvalidPayment {
  return new InvalidPayment(reason, message);
}
