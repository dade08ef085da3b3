import { handleReadyz } from "@/lib/health/handlers";
import { allMethods, routeHandler } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

// GET /readyz — database, migrations, chain RPC and not draining: 200, else 503.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = allMethods(
  routeHandler(handleReadyz),
);
