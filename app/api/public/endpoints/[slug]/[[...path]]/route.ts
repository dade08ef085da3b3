import { handleGateway } from "@/lib/gateway/handle";
import { allMethods, routeHandler } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

// ANY — the credit gateway: debit the caller's credits, then proxy to the endpoint's origin.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = allMethods(
  routeHandler(handleGateway),
);
