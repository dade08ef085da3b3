import { handleMe } from "@/lib/api/me";
import { allMethods, routeHandler } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

// GET /api/me/balances|history|usage|purchases — the signed-in buyer's own wallet.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = allMethods(routeHandler(handleMe));
