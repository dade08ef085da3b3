import { z } from "zod";
import type { AppContext } from "@/lib/app/context";
import { slugSchema } from "@/lib/endpoints/slug";
import { allowMethods } from "@/lib/http/handler";
import { parseQuery } from "@/lib/http/query";
import { packView } from "@/lib/x402/challenge";
import { requireResolvedEndpoint } from "./resolve-endpoint";

export const packsQuery = z.object({
  endpoint: slugSchema.meta({ description: "The endpoint's slug." }),
});

/** GET /api/credits/packs?endpoint=SLUG — what can be bought, and where. */
export const handlePacks = allowMethods(["GET", "HEAD"], async (request, ctx: AppContext) => {
  const { endpoint: slug } = parseQuery(new URL(request.url), packsQuery, "invalid_endpoint");
  const endpoint = await requireResolvedEndpoint(ctx, slug);
  return Response.json({
    endpoint: endpoint.slug,
    defaultPack: endpoint.defaultPack?.id ?? null,
    packs: endpoint.packs.map((p) => packView(ctx.config.publicUrl, endpoint.slug, p)),
  });
});
