import { eq } from "drizzle-orm";
import { z } from "zod";
import { endpoints } from "@/db/schema";
import type { AppContext } from "@/lib/app/context";
import { ApiError } from "@/lib/http/errors";
import { allowMethods } from "@/lib/http/handler";
import { findPayment } from "@/lib/purchase/store";
import { checksumWallet } from "@/lib/wallet";

export const purchaseIdSchema = z
  .uuid()
  .meta({ description: "The paymentId a purchase answered with." });

/** GET /api/credits/purchases/ID — a payment's state: pending | settled | failed. */
export const handlePurchaseStatus = allowMethods(
  ["GET", "HEAD"],
  async (request, ctx: AppContext) => {
    const id = new URL(request.url).pathname.split("/").pop() ?? "";
    if (!purchaseIdSchema.safeParse(id).success)
      throw new ApiError("not_found", "No purchase with that id.");
    const payment = await findPayment(ctx.db, id);
    if (!payment) throw new ApiError("not_found", "No purchase with that id.");
    const [endpoint] = await ctx.db
      .select({ slug: endpoints.slug })
      .from(endpoints)
      .where(eq(endpoints.id, payment.endpointId));
    return Response.json({
      id: payment.id,
      status: payment.status,
      endpoint: endpoint?.slug,
      pack: payment.packId,
      credits: Number(payment.credits),
      amount: payment.amount.toString(),
      network: payment.network,
      payer: checksumWallet(payment.payer),
      transaction: payment.transaction,
      failureReason: payment.failureReason,
      createdAt: payment.createdAt.toISOString(),
      updatedAt: payment.updatedAt.toISOString(),
    });
  },
);
