import { handleEndpointOpenApi } from "@/lib/api/discovery";
import { allMethods, routeHandler } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

// GET /api/endpoints/SLUG/openapi.json — one endpoint's API with its credit costs.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = allMethods(
  routeHandler(handleEndpointOpenApi),
);
