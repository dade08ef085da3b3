import { handlePurchaseStatus } from "@/lib/api/purchase-status";
import { allMethods, routeHandler } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

// GET /api/credits/purchases/ID — a purchase's settlement state.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = allMethods(
  routeHandler(handlePurchaseStatus),
);
