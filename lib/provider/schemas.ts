import { z } from "zod";
import { apiSchemaSchema } from "@/lib/endpoints/api-schema";
import { slugSchema } from "@/lib/endpoints/slug";
import { parseUsdc } from "@/lib/money";

const MIN_PRICE = 10_000n; // 0.01 USDC

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be 0x followed by 40 hex digits");
const positiveCredits = z
  .number()
  .int("must be a whole number")
  .positive("must be positive")
  .max(1_000_000_000_000, "is too large");

const price = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const atomic = parseUsdc(String(v));
  if (atomic === null) {
    ctx.addIssue({
      code: "custom",
      message: 'must be a USDC amount such as "1.00" (at most 6 decimals)',
    });
    return z.NEVER;
  }
  if (atomic < MIN_PRICE) {
    ctx.addIssue({ code: "custom", message: "must be at least 0.01 USDC" });
    return z.NEVER;
  }
  return atomic;
});

export const packInputSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be lower-case letters, digits and -")
      .optional(),
    name: z.string().trim().min(1).max(60),
    credits: positiveCredits,
    price,
  })
  .strict();

const endpointFields = {
  name: z.string().trim().min(1).max(100),
  description: z.string().max(2_000),
  originUrl: z.string().max(2_048),
  payTo: address,
  creditsPerCall: positiveCredits,
  walletAuth: z.enum(["header", "signed"]),
  refundOnError: z.boolean(),
  metered: z.boolean(),
  timeoutMs: z.number().int().min(100).max(120_000),
  /** Bytes; null clears it (the operator's default). Never above GATEWAY_MAX_BODY_BYTES. */
  maxBodyBytes: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .nullable(),
  packs: z.array(packInputSchema).min(1, "needs at least one pack").max(20),
  defaultPack: z.string().max(63).nullable(),
  apiSchema: apiSchemaSchema.nullable(),
};

export const createEndpointSchema = z
  .object({
    slug: slugSchema,
    ...endpointFields,
    description: endpointFields.description.optional(),
    payTo: endpointFields.payTo.optional(),
    walletAuth: endpointFields.walletAuth.optional(),
    refundOnError: endpointFields.refundOnError.optional(),
    metered: endpointFields.metered.optional(),
    timeoutMs: endpointFields.timeoutMs.optional(),
    maxBodyBytes: endpointFields.maxBodyBytes.optional(),
    defaultPack: endpointFields.defaultPack.optional(),
    apiSchema: endpointFields.apiSchema.optional(),
  })
  .strict();

/** PATCH: any subset; `packs`, when given, replaces the whole list. The slug never changes. */
export const updateEndpointSchema = z.object(endpointFields).partial().strict();

export type CreateEndpointInput = z.infer<typeof createEndpointSchema>;
export type UpdateEndpointInput = z.infer<typeof updateEndpointSchema>;
export type PackInput = z.infer<typeof packInputSchema>;
