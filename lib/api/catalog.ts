import { and, asc, eq, gt, inArray, isNull, type SQL } from "drizzle-orm";
import { z } from "zod";
import { creditPacks, endpoints } from "@/db/schema";
import type { AppContext } from "@/lib/app/context";
import { apiSchemaSchema } from "@/lib/endpoints/api-schema";
import { slugSchema } from "@/lib/endpoints/slug";
import { allowMethods } from "@/lib/http/handler";
import { parseQuery } from "@/lib/http/query";
import { packView } from "@/lib/x402/challenge";

export const CATALOG_PAGE_MAX = 100;

export const catalogQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(CATALOG_PAGE_MAX)
    .default(CATALOG_PAGE_MAX)
    .meta({ description: "Endpoints per page." }),
  /** Opaque to clients: the last slug of the previous page (pages are in slug order). */
  cursor: slugSchema.optional().meta({ description: "The previous page's nextCursor." }),
});

/**
 * One page of the public catalog: endpoints a buyer can use right now (not deleted, not
 * paused), in slug order, with their packs and declared routes. Never the origin URL, key
 * or owner. `nextCursor` is null on the last page.
 */
export async function listCatalog(ctx: AppContext, page: { limit: number; cursor?: string }) {
  const rows = await catalogRows(
    ctx,
    page.cursor === undefined ? undefined : gt(endpoints.slug, page.cursor),
    page.limit + 1,
  );
  const shown = rows.slice(0, page.limit);
  return {
    endpoints: shown,
    nextCursor: rows.length > page.limit ? (shown.at(-1)?.slug ?? null) : null,
  };
}

/** One endpoint as the catalog shows it, or undefined when it is not on sale. */
export async function catalogEndpoint(ctx: AppContext, slug: string) {
  return (await catalogRows(ctx, eq(endpoints.slug, slug), 1))[0];
}

async function catalogRows(ctx: AppContext, where: SQL | undefined, limit: number) {
  const rows = await ctx.db
    .select()
    .from(endpoints)
    .where(and(isNull(endpoints.deletedAt), eq(endpoints.paused, false), where))
    .orderBy(asc(endpoints.slug))
    .limit(limit);
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
        .map((p) => packView(ctx.config.publicUrl, row.slug, { ...p, price: p.priceAtomic })),
      apiSchema: parsed?.success ? parsed.data : null,
    };
  });
}

export type CatalogEndpoint = Awaited<ReturnType<typeof catalogRows>>[number];

/** GET /api/endpoints[?limit=&cursor=] — the public catalog, a page at a time. */
export const handleCatalog = allowMethods(["GET", "HEAD"], async (request, ctx: AppContext) =>
  Response.json(await listCatalog(ctx, parseQuery(new URL(request.url), catalogQuery))),
);
