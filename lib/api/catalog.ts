import { and, asc, eq, inArray, isNull } from "drizzle-orm";
import { creditPacks, endpoints } from "@/db/schema";
import type { AppContext } from "@/lib/app/context";
import { apiSchemaSchema } from "@/lib/endpoints/api-schema";
import { allowMethods } from "@/lib/http/handler";
import { formatUsdc } from "@/lib/money";
import { purchaseUrl } from "@/lib/x402/challenge";

/**
 * The public catalog: every endpoint a buyer can use right now (not deleted, not paused),
 * with its packs and declared routes. Never the origin URL, key or owner.
 */
export async function listCatalog(ctx: AppContext) {
  const rows = await ctx.db
    .select()
    .from(endpoints)
    .where(and(isNull(endpoints.deletedAt), eq(endpoints.paused, false)))
    .orderBy(asc(endpoints.slug));
  if (rows.length === 0) return [];
  const packs = await ctx.db
    .select()
    .from(creditPacks)
    .where(
      inArray(
        creditPacks.endpointId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(asc(creditPacks.position), asc(creditPacks.priceAtomic));
  return rows.map((row) => {
    const parsed = row.apiSchema === null ? null : apiSchemaSchema.safeParse(row.apiSchema);
    return {
      slug: row.slug,
      name: row.name,
      description: row.description,
      creditsPerCall: Number(row.creditsPerCall),
      defaultPack: row.defaultPackId,
      packs: packs
        .filter((p) => p.endpointId === row.id)
        .map((p) => ({
          id: p.id,
          name: p.name,
          credits: Number(p.credits),
          price: formatUsdc(p.priceAtomic),
          amount: p.priceAtomic.toString(),
          purchaseUrl: purchaseUrl(ctx.config.publicUrl, row.slug, p.id),
        })),
      apiSchema: parsed?.success ? parsed.data : null,
    };
  });
}

export type CatalogEndpoint = Awaited<ReturnType<typeof listCatalog>>[number];

/** GET /api/endpoints — the public catalog of endpoints that sell credits. */
export const handleCatalog = allowMethods(["GET", "HEAD"], async (_request, ctx: AppContext) =>
  Response.json({ endpoints: await listCatalog(ctx) }),
);
