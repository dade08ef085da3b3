import { handleGateway } from "@/lib/gateway/handle";
import { allMethods, routeHandler } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

// ANY — the gateway without a slug: answers 404 endpoint_not_found in JSON.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = allMethods(
  routeHandler(handleGateway),
);
