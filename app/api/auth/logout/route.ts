import { handleLogout } from "@/lib/auth/handlers";
import { allMethods, routeHandler } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

// POST /api/auth/logout — ends the session.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = allMethods(
  routeHandler(handleLogout),
);
