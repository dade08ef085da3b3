import { handleProviderEndpoints } from "@/lib/api/provider-endpoints";
import { allMethods, routeHandler } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

// GET|PATCH|DELETE /api/provider/endpoints/SLUG — one endpoint.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = allMethods(
  routeHandler(handleProviderEndpoints),
);
