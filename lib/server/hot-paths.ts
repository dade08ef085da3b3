import type { IncomingMessage } from "node:http";
import { handleBalance } from "@/lib/api/balance";
import { handlePurchase } from "@/lib/api/purchase";
import { handleGateway } from "@/lib/gateway/handle";
import { isGatewayPath } from "@/lib/gateway/path";
import { handleHealthz, handleReadyz } from "@/lib/health/handlers";
import type { Handler } from "@/lib/http/handler";
import { handleMetrics } from "@/lib/metrics/endpoint";

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
  { matches: (p) => p === "/healthz", handler: handleHealthz },
  { matches: (p) => p === "/readyz", handler: handleReadyz },
  { matches: (p) => p === "/metrics", handler: handleMetrics },
];

export type HotPathFinder = (pathname: string, req: IncomingMessage) => Handler | undefined;

export const findHotPath: HotPathFinder = (pathname) =>
  HOT_PATHS.find((h) => h.matches(pathname))?.handler;

/**
 * A cluster worker's share: debits and balances. Anything that settles a payment (the
 * purchase endpoint, a gateway call carrying a payment) goes to the primary, so one process
 * owns the facilitator's account and its transaction nonces; so do metrics, which the
 * primary sums over the cluster.
 */
export const findWorkerHotPath: HotPathFinder = (pathname, req) => {
  const handler = findHotPath(pathname, req);
  if (handler === handlePurchase || handler === handleMetrics) return undefined;
  if (handler === handleGateway && (req.headers["payment-signature"] || req.headers["x-payment"]))
    return undefined;
  return handler;
};
