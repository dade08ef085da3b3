import { and, asc, eq, isNull } from "drizzle-orm";
import { endpoints } from "@/db/schema";
import type { AppContext } from "@/lib/app/context";
import type { ResolvedEndpoint } from "@/lib/endpoints/resolved";

export interface ListedEndpoint {
  endpoint: ResolvedEndpoint;
  updatedAt: Date;
}

/**
 * Every endpoint a buyer can use right now, by the catalog's rule (not deleted, not
 * paused), in slug order, resolved through the endpoint cache (as the gateway sees them).
 */
export async function activeEndpoints(ctx: AppContext): Promise<ListedEndpoint[]> {
  const rows = await ctx.db
    .select({ slug: endpoints.slug, updatedAt: endpoints.updatedAt })
    .from(endpoints)
    .where(and(isNull(endpoints.deletedAt), eq(endpoints.paused, false)))
    .orderBy(asc(endpoints.slug));
  const resolved = await Promise.all(rows.map((row) => ctx.endpoints.get(row.slug)));
  return rows.flatMap((row, i) => {
    const endpoint = resolved[i];
    return endpoint && !endpoint.paused ? [{ endpoint, updatedAt: row.updatedAt }] : [];
  });
}

/** One active endpoint, by the same rule, or null. */
export async function activeEndpoint(
  ctx: AppContext,
  slug: string,
): Promise<ResolvedEndpoint | null> {
  const endpoint = await ctx.endpoints.get(slug);
  return endpoint && !endpoint.paused ? endpoint : null;
}
