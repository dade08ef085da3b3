import { handleBalance } from "@/lib/api/balance";
import { handlePurchase } from "@/lib/api/purchase";
import { handleGateway } from "@/lib/gateway/handle";
import { isGatewayPath } from "@/lib/gateway/path";
import type { Handler } from "@/lib/http/handler";

interface HotPath {
  matches(pathname: string): boolean;
  handler: Handler;
}

/**
 * The agent-facing paths the custom server answers itself, skipping Next's request
 * pipeline; the same handlers are mounted as Next route handlers for `next dev`.
 */
const HOT_PATHS: HotPath[] = [
  { matches: (p) => p === "/api/credits/balance", handler: handleBalance },
  { matches: isGatewayPath, handler: handleGateway },
  { matches: (p) => p === "/api/credits/purchase", handler: handlePurchase },
];

export function findHotPath(pathname: string): Handler | undefined {
  return HOT_PATHS.find((h) => h.matches(pathname))?.handler;
}
