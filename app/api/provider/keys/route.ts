import { handleProviderKeys } from "@/lib/auth/handlers";
import { allMethods, routeHandler } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

// GET|POST|DELETE /api/provider/keys — provider API keys.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = allMethods(
  routeHandler(handleProviderKeys),
);
