import { handleWellKnownX402 } from "@/lib/api/discovery";
import { allMethods, routeHandler } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

// GET /.well-known/x402 — the paid resources, for x402 discovery clients.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = allMethods(
  routeHandler(handleWellKnownX402),
);
