import { handleProviderEndpoints } from "@/lib/api/provider-endpoints";
import { allMethods, routeHandler } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

// GET|POST /api/provider/endpoints — a provider's endpoints.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = allMethods(
  routeHandler(handleProviderEndpoints),
);
