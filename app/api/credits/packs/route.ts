import { handlePacks } from "@/lib/api/packs";
import { allMethods, routeHandler } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

// GET /api/credits/packs — an endpoint's packs and their purchase URLs.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = allMethods(
  routeHandler(handlePacks),
);
