import { handleFaucet } from "@/lib/api/faucet";
import { allMethods, routeHandler } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

// POST /api/dev/faucet — mint devnet USDC (404 off the devnet).
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = allMethods(
  routeHandler(handleFaucet),
);
