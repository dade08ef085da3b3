import { handleToken } from "@/lib/auth/handlers";
import { allMethods, routeHandler } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

// POST /api/auth/token — a short-lived wallet token from a SIWE message.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = allMethods(
  routeHandler(handleToken),
);
