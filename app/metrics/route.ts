import { allMethods, routeHandler } from "@/lib/http/handler";
import { handleMetrics } from "@/lib/metrics/endpoint";

export const dynamic = "force-dynamic";

// GET /metrics — Prometheus text format, to bearers of METRICS_TOKEN (else 404).
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = allMethods(
  routeHandler(handleMetrics),
);
