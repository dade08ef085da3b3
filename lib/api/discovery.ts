import type { AppContext } from "@/lib/app/context";
import { endpointOpenApi } from "@/lib/discovery/endpoint-openapi";
import { activeEndpoint, activeEndpoints } from "@/lib/discovery/listing";
import { llmsTxt } from "@/lib/discovery/llms-txt";
import { productOpenApi } from "@/lib/discovery/product-openapi";
import { wellKnownQuery, wellKnownX402 } from "@/lib/discovery/well-known";
import { slugSchema } from "@/lib/endpoints/slug";
import { ApiError } from "@/lib/http/errors";
import { allowMethods } from "@/lib/http/handler";
import { parseQuery } from "@/lib/http/query";

/** Public, the same for everyone, and fine a minute old. */
const CACHEABLE = { "cache-control": "public, max-age=60" };

/** GET /openapi.json — the product's agent-facing API, generated from its zod schemas. */
export const handleProductOpenApi = allowMethods(
  ["GET", "HEAD"],
  async (_request, ctx: AppContext) =>
    Response.json(
      productOpenApi({ publicUrl: ctx.config.publicUrl, devnet: ctx.config.chain.devnet }),
      { headers: CACHEABLE },
    ),
);

/** GET /api/endpoints/SLUG/openapi.json — one active endpoint's API, from its api_schema. */
export const handleEndpointOpenApi = allowMethods(
  ["GET", "HEAD"],
  async (request, ctx: AppContext) => {
    const slug = new URL(request.url).pathname.split("/").at(-2) ?? "";
    const endpoint = slugSchema.safeParse(slug).success ? await activeEndpoint(ctx, slug) : null;
    if (!endpoint) throw new ApiError("endpoint_not_found", `No endpoint named "${slug}".`);
    return Response.json(endpointOpenApi(ctx.config.publicUrl, endpoint), { headers: CACHEABLE });
  },
);

/** GET /.well-known/x402[?limit&offset] — the paid resources, for x402 discovery clients. */
export const handleWellKnownX402 = allowMethods(
  ["GET", "HEAD"],
  async (request, ctx: AppContext) => {
    const page = parseQuery(new URL(request.url), wellKnownQuery);
    const listed = await activeEndpoints(ctx);
    return Response.json(wellKnownX402(ctx.payments, ctx.config.publicUrl, listed, page), {
      headers: CACHEABLE,
    });
  },
);

/** GET /llms.txt — how an agent uses this server, with its live endpoints. */
export const handleLlmsTxt = allowMethods(["GET", "HEAD"], async (_request, ctx: AppContext) => {
  const listed = await activeEndpoints(ctx);
  const text = llmsTxt({
    publicUrl: ctx.config.publicUrl,
    payments: ctx.payments,
    devnet: ctx.config.chain.devnet,
    endpoints: listed.map((l) => l.endpoint),
  });
  return new Response(text, {
    headers: { ...CACHEABLE, "content-type": "text/plain; charset=utf-8" },
  });
});
