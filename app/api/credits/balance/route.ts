import { handleBalance } from "@/lib/api/balance";
import { allMethods, routeHandler } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

// GET /api/credits/balance — an agent's credits on one endpoint, or on all of them.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = allMethods(
  routeHandler(handleBalance),
);
