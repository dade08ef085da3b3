import type { AppContext } from "@/lib/app/context";
import type { ResolvedEndpoint } from "@/lib/endpoints/resolved";
import { ApiError } from "@/lib/http/errors";

/** The cached endpoint behind a slug, or a 404. */
export async function requireResolvedEndpoint(
  ctx: AppContext,
  slug: string,
): Promise<ResolvedEndpoint> {
  const endpoint = await ctx.endpoints.get(slug);
  if (!endpoint) throw new ApiError("endpoint_not_found", `No endpoint named "${slug}".`);
  return endpoint;
}
