import { handleProductOpenApi } from "@/lib/api/discovery";
import { allMethods, routeHandler } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

// GET /openapi.json — the product's agent-facing API (OpenAPI 3.1).
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = allMethods(
  routeHandler(handleProductOpenApi),
);
