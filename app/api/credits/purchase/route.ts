import { handlePurchase } from "@/lib/api/purchase";
import { allMethods, routeHandler } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

// POST /api/credits/purchase — buy a pack with an x402 payment (the purchaseUrl).
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = allMethods(
  routeHandler(handlePurchase),
);
