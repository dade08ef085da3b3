import { desc, eq } from "drizzle-orm";
import { endpoints, payments } from "@/db/schema";
import type { AppContext } from "@/lib/app/context";
import { formatUsdc } from "@/lib/money";

/** A wallet's purchases across endpoints, newest first, with explorer links where known. */
export async function listPurchases(ctx: AppContext, wallet: string, limit: number) {
  const rows = await ctx.db
    .select({ payment: payments, slug: endpoints.slug })
    .from(payments)
    .innerJoin(endpoints, eq(endpoints.id, payments.endpointId))
    .where(eq(payments.payer, wallet))
    .orderBy(desc(payments.createdAt))
    .limit(limit);
  const explorer = ctx.payments.info.explorer;
  return rows.map(({ payment: p, slug }) => ({
    id: p.id,
    endpoint: slug,
    pack: p.packId,
    credits: Number(p.credits),
    price: formatUsdc(p.amount),
    status: p.status,
    transaction: p.transaction,
    transactionUrl: p.transaction && explorer ? `${explorer}/tx/${p.transaction}` : null,
    failureReason: p.failureReason,
    createdAt: p.createdAt.toISOString(),
  }));
}
