import { createServer, type Server } from "node:http";
import { safeEqual, sha256Hex } from "@/lib/auth/crypto";
import type { MetricsAccess } from "@/lib/config/config";
import { ApiError, errorResponse } from "@/lib/http/errors";
import type { Handler } from "@/lib/http/handler";
import { sendWebResponse, toWebRequest } from "@/lib/server/node-adapter";
import { EXPOSITION_CONTENT_TYPE, exposition } from "./exposition";

/**
 * GET /metrics. On the public port it exists only with METRICS_TOKEN set and no
 * METRICS_PORT (else 404, so a default install publishes nothing); on METRICS_PORT it
 * always does. Wherever it is served, a set token is required.
 */
async function answerMetrics(
  request: Request,
  access: MetricsAccess,
  door: "public" | "metrics_port",
): Promise<Response> {
  try {
    const served =
      door === "metrics_port"
        ? access.port !== undefined
        : access.port === undefined && access.token !== undefined;
    if (!served) throw new ApiError("not_found", "No such page.");
    if (request.method !== "GET" && request.method !== "HEAD") {
      throw new ApiError("method_not_allowed", "Use GET here.", undefined, { allow: "GET, HEAD" });
    }
    if (
      access.token !== undefined &&
      !bearerMatches(request.headers.get("authorization"), access.token)
    ) {
      throw new ApiError(
        "authentication_required",
        "Send Authorization: Bearer <METRICS_TOKEN>.",
        undefined,
        {
          "www-authenticate": 'Bearer realm="metrics"',
        },
      );
    }
    return new Response(await exposition(), {
      headers: { "content-type": EXPOSITION_CONTENT_TYPE, "cache-control": "no-store" },
    });
  } catch (err) {
    return errorResponse(err);
  }
}

/** Compares in constant time, also in length (both sides are hashed first). */
function bearerMatches(header: string | null, token: string): boolean {
  const presented = header?.startsWith("Bearer ") ? header.slice(7).trim() : "";
  return presented !== "" && safeEqual(sha256Hex(presented), sha256Hex(token));
}

export const handleMetrics: Handler = (request, ctx) =>
  answerMetrics(request, ctx.config.metrics, "public");

/** The METRICS_PORT listener on METRICS_HOST (loopback by default): /metrics and nothing else. */
export async function startMetricsServer(access: MetricsAccess): Promise<Server | undefined> {
  if (access.port === undefined) return undefined;
  const server = createServer(async (req, res) => {
    const request = toWebRequest(req, "http://metrics.invalid");
    const answer =
      new URL(request.url).pathname === "/metrics"
        ? await answerMetrics(request, access, "metrics_port")
        : errorResponse(new ApiError("not_found", "No such page."));
    await sendWebResponse(res, answer);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(access.port, access.host, resolve);
  });
  return server;
}
