import { handleCatalog } from "@/lib/api/catalog";
import { allMethods, routeHandler } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

// GET /api/endpoints — the public catalog: active endpoints, their packs and routes.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = allMethods(
  routeHandler(handleCatalog),
);
