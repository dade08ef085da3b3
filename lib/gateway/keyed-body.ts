import type { AppContext } from "@/lib/app/context";
import type { ResolvedEndpoint } from "@/lib/endpoints/resolved";
import { ApiError } from "@/lib/http/errors";
import { nodeBodyOf, webToNode } from "@/lib/server/node-body";
import { BodyMeter } from "./body-meter";
import { bodyLimitOf, tooLarge } from "./forward";

/**
 * The whole body of a keyed call, read before anything is charged: its digest is part of
 * what the Idempotency-Key stands for. Bounded like any upload (the endpoint's body limit,
 * and its timeout for the whole body); the gateway then forwards these bytes.
 */
export async function readKeyedBody(
  ctx: AppContext,
  endpoint: ResolvedEndpoint,
  incoming: Request,
): Promise<Buffer | undefined> {
  if (incoming.body === null || incoming.method === "GET" || incoming.method === "HEAD")
    return undefined;
  const limit = bodyLimitOf(ctx, endpoint);
  const meter = new BodyMeter(
    nodeBodyOf(incoming) ?? webToNode(incoming.body as ReadableStream<Uint8Array>),
    limit,
  );
  const chunks: Buffer[] = [];
  const timer = setTimeout(() => meter.destroy(new Error("deadline")), endpoint.timeoutMs);
  try {
    for await (const chunk of meter) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  } catch {
    if (meter.tooLarge) throw tooLarge(limit);
    if (meter.callerGone)
      throw new ApiError("bad_request", "The request body ended before it was complete.");
    throw new ApiError(
      "request_timeout",
      `The request body did not arrive within the endpoint's ${endpoint.timeoutMs} ms.`,
      undefined,
      { connection: "close" },
    );
  } finally {
    clearTimeout(timer);
  }
}
