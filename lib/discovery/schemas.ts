import { z } from "zod";
import { apiSchemaSchema } from "@/lib/endpoints/api-schema";
import { slugSchema } from "@/lib/endpoints/slug";
import { ERROR_STATUS, type ErrorCode } from "@/lib/http/errors";

/**
 * The shapes of the agent-facing answers, for the OpenAPI documents. Requests are validated
 * by the handlers' own schemas (lib/api/*); answers are built by the handlers, and the
 * discovery tests parse live answers with these, so the documents cannot drift from them.
 */

const wallet = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const atomic = z
  .string()
  .regex(/^\d+$/)
  .meta({ description: "USDC in atomic units (6 decimals): 1000000 = 1 USDC." });
const credits = z.number().int().nonnegative();

/** The declared routes, as answers show them. */
const apiSchemaView = apiSchemaSchema.meta({ id: "ApiSchema" });

export const packView = z
  .object({
    id: z.string(),
    name: z.string(),
    credits: credits.meta({ description: "Credits the pack adds to the buyer's balance." }),
    price: z.string().meta({ description: 'USDC as a decimal string, e.g. "1.00".' }),
    amount: atomic,
    purchaseUrl: z.url().meta({ description: "Where to buy it with an x402 payment." }),
  })
  .meta({ id: "Pack" });

export const balanceOne = z.object({ credits, endpoint: slugSchema });
export const balanceAll = z.object({
  wallet: wallet.meta({ description: "EIP-55 checksummed." }),
  balances: z.array(z.object({ endpoint: slugSchema, credits })),
});

export const packsAnswer = z.object({
  endpoint: slugSchema,
  defaultPack: z
    .string()
    .nullable()
    .meta({ description: "The pack a 402 offers: the provider's choice, else the cheapest." }),
  packs: z.array(packView),
});

export const catalogAnswer = z.object({
  endpoints: z.array(
    z.object({
      slug: slugSchema,
      name: z.string(),
      description: z.string(),
      creditsPerCall: credits.meta({ description: "What a call costs unless its route says." }),
      defaultPack: z.string().nullable(),
      packs: z.array(packView),
      apiSchema: apiSchemaView.nullable(),
    }),
  ),
  nextCursor: slugSchema
    .nullable()
    .meta({ description: "Pass as ?cursor= for the next page; null on the last page." }),
});

export const purchased = z.object({
  credits: credits.meta({ description: "The buyer's balance on the endpoint now." }),
  endpoint: slugSchema,
  purchased: z.object({
    pack: z.string(),
    credits,
    amount: atomic,
    network: z.string().meta({ description: "CAIP-2, e.g. eip155:8453." }),
    payer: wallet,
    transaction: z.string().nullable(),
  }),
  paymentId: z.uuid(),
});

export const purchasePending = z
  .object({
    status: z.literal("pending"),
    paymentId: z.uuid(),
    statusUrl: z.url(),
    message: z.string(),
  })
  .meta({ id: "PurchasePending" });

export const purchaseStatus = z.object({
  id: z.uuid(),
  status: z.enum(["pending", "settled", "failed"]),
  endpoint: slugSchema.optional(),
  pack: z.string(),
  credits,
  amount: atomic,
  network: z.string(),
  payer: wallet,
  transaction: z.string().nullable(),
  failureReason: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export const consumed = z.object({
  credits: credits.meta({ description: "The wallet's balance after the debit." }),
  charged: credits,
  replayed: z.literal(true).optional(),
});

export const chainConfig = z.object({
  network: z.string().meta({ description: "CAIP-2 network packs are paid on." }),
  chainId: z.number().int(),
  asset: z.object({
    address: wallet,
    name: z.string().meta({ description: "The token's EIP-712 domain name." }),
    version: z.string(),
    decimals: z.number().int(),
  }),
  facilitator: z.string().meta({ description: '"local", or the facilitator URL.' }),
  devnet: z.boolean(),
  rpcUrl: z.url().optional().meta({ description: "On the devnet only." }),
});

export const nonceAnswer = z.object({ nonce: z.string() });
export const walletToken = z.object({
  token: z.string().meta({ description: "Send as Authorization: Bearer TOKEN." }),
  address: wallet,
  expiresAt: z.iso.datetime(),
});
export const faucetAnswer = z.object({
  address: wallet,
  amount: atomic,
  asset: wallet,
  network: z.string(),
  transaction: z.string(),
});

const requirementsV2 = z.object({
  scheme: z.string(),
  network: z.string().meta({ description: "CAIP-2." }),
  amount: atomic,
  asset: wallet,
  payTo: wallet,
  maxTimeoutSeconds: z.number().int(),
  extra: z
    .record(z.string(), z.unknown())
    .optional()
    .meta({ description: "Token EIP-712 name/version, and the pack and credits offered." }),
});

const requirementsV1 = z.object({
  scheme: z.string(),
  network: z.string().meta({ description: "A v1 network name, e.g. base." }),
  maxAmountRequired: atomic,
  resource: z.url(),
  description: z.string(),
  mimeType: z.string(),
  payTo: wallet,
  maxTimeoutSeconds: z.number().int(),
  asset: wallet,
  outputSchema: z.record(z.string(), z.unknown()).optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
});

const resourceInfo = z.object({
  url: z.url(),
  description: z.string().optional(),
  mimeType: z.string().optional(),
});

const extensions = z
  .record(z.string(), z.unknown())
  .meta({ description: "x402 extensions: bazaar (discovery), sign-in-with-x, …" });

/** What PAYMENT-REQUIRED carries (base64 of this JSON), and the 402 body on v2-only networks. */
export const paymentRequired = z
  .object({
    x402Version: z.literal(2),
    error: z.string().optional(),
    resource: resourceInfo,
    accepts: z.array(requirementsV2),
    extensions: extensions.optional(),
  })
  .meta({ id: "PaymentRequired", unusedIO: "output" });

/**
 * The 402 body: the x402 challenge (v1 shape on networks with a v1 name, for clients that
 * read only the body; else the v2 object), then this product's own fields.
 */
export const challengeBody = z
  .looseObject({
    x402Version: z.union([z.literal(1), z.literal(2)]),
    error: z.string().meta({
      description: "insufficient_credits, payment_required, or why a payment was refused.",
    }),
    resource: resourceInfo.optional().meta({ description: "v2 only." }),
    accepts: z.union([z.array(requirementsV2), z.array(requirementsV1)]),
    extensions: extensions.optional().meta({ description: "v2 only." }),
    message: z.string().optional().meta({ description: "Why a presented payment was refused." }),
    purchaseUrl: z.url().meta({ description: "POST here with an x402 payment to buy the pack." }),
    packs: z.array(packView),
    endpoint: slugSchema,
    credits: credits.optional().meta({ description: "The wallet's balance (gateway)." }),
    required: credits.optional().meta({ description: "What the call costs (gateway)." }),
    tokenUrl: z
      .url()
      .optional()
      .meta({ description: "wallet_proof_required: where to get a wallet token instead." }),
    nonceUrl: z.url().optional().meta({ description: "wallet_proof_required: its nonce." }),
    api_schema: apiSchemaView
      .optional()
      .meta({ description: "The endpoint's declared routes, when it has any." }),
  })
  .meta({ id: "Challenge" });

export const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

/** `{"error": {"code", "message"}}`; a few answers add fields beside them (e.g. refunded). */
export const errorBody = z
  .object({
    error: z.looseObject({
      code: z.enum(ERROR_CODES).meta({ description: "Stable, snake_case; see each response." }),
      message: z.string().meta({ description: "A human sentence; may change." }),
    }),
  })
  .meta({ id: "Error" });

const integerString = z.string().regex(/^\d+$/);

/** Response headers, by wire name. */
export const responseHeaders = {
  "PAYMENT-REQUIRED": z.string().meta({
    description:
      "x402 v2: base64 of the PaymentRequired JSON (components.schemas.PaymentRequired). v2 clients read this first.",
  }),
  "PAYMENT-RESPONSE": z.string().meta({
    description: "x402 v2 settlement receipt: base64 JSON {success, transaction, network, payer}.",
  }),
  "X-PAYMENT-RESPONSE": z.string().meta({
    description: "The same receipt for an x402 v1 payment (X-PAYMENT).",
  }),
  "x-credits-charged": integerString.meta({
    description: "What this call cost in the end: the cost, or 0 once refunded or replayed.",
  }),
  "x-credits-remaining": integerString.meta({
    description: "The wallet's balance on this endpoint after the call.",
  }),
  "idempotent-replayed": z.literal("true").meta({
    description: "The stored answer of an earlier call with this Idempotency-Key.",
  }),
  "Retry-After": integerString.meta({ description: "Seconds to wait before retrying." }),
};

/** Request headers, by wire name. */
export const requestHeaders = {
  "x-wallet-address": wallet.meta({
    description:
      "The wallet whose credits pay (any letter case). Without it (and without a proof or payment) the gateway answers 402.",
  }),
  "PAYMENT-SIGNATURE": z.string().meta({
    description:
      "x402 v2 payment (base64 JSON PaymentPayload) for the offered pack: buys it for the payer.",
  }),
  "X-PAYMENT": z.string().meta({
    description: "x402 v1 payment (base64 JSON), for v1 clients.",
  }),
  "SIGN-IN-WITH-X": z.string().meta({
    description:
      "x402 sign-in-with-x proof (base64 JSON, CAIP-122/SIWE) answering the challenge in a 402's extensions['sign-in-with-x']: identifies the wallet without paying again.",
  }),
  "Idempotency-Key": z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,128}$/)
    .meta({
      description:
        "Charged at most once per key, wallet and endpoint within 24 h; bound to the request (method, path, query, body).",
    }),
};
