import { handleVerify } from "@/lib/auth/handlers";
import { allMethods, routeHandler } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

// POST /api/auth/verify — SIWE sign-in; sets the session cookie.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = allMethods(
  routeHandler(handleVerify),
);
