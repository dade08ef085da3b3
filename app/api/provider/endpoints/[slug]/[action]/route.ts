import { handleProviderEndpoints } from "@/lib/api/provider-endpoints";
import { allMethods, routeHandler } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

// POST pause|resume|rotate-key, GET usage|customers|ledger of one endpoint.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = allMethods(
  routeHandler(handleProviderEndpoints),
);
