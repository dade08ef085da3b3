import { handleConsume } from "@/lib/api/consume";
import { allMethods, routeHandler } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

// POST /api/credits/consume — the credit check alone, with a provider API key.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = allMethods(
  routeHandler(handleConsume),
);
