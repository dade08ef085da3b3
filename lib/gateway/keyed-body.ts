import type { AppContext } from "@/lib/app/context";
import type { ResolvedEndpoint } from "@/lib/endpoints/resolved";
import { ApiError } from "@/lib/http/errors";
import { nodeBodyOf, webToNode } from "@/lib/server/node-body";
import { BodyMeter } from "./body-meter";
import { bodyLimitOf, tooLarge } from "./forward";

/**
 * A keyed call's body is held in memory until it is forwarded, so it is bounded tighter
 * than a streamed upload: many wallets times 64 calls each times 10 MiB would not fit.
 */
export const KEYED_BODY_LIMIT = 2 ** 20;

/**
 * The whole body of a keyed call, read before anything is charged: its digest is part of
 * what the Idempotency-Key stands for. Bounded (the endpoint's body limit, at most 1 MiB,
 * and its timeout for the whole body); the gateway then forwards these bytes.
 */
export async function readKeyedBody(
  ctx: AppContext,
  endpoint: ResolvedEndpoint,
  incoming: Request,
): Promise<Buffer | undefined> {
  if (incoming.body === null || incoming.method === "GET" || incoming.method === "HEAD")
    return undefined;
  const limit = Math.min(bodyLimitOf(ctx, endpoint), KEYED_BODY_LIMIT);
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
    if (meter.tooLarge) {
      if (limit < bodyLimitOf(ctx, endpoint)) {
        throw new ApiError(
          "payload_too_large",
          `A call with an Idempotency-Key takes bodies up to ${limit} bytes (its body is held to bind the key to it); send larger bodies without the key.`,
          undefined,
          { connection: "close" },
        );
      }
      throw tooLarge(limit);
    }
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
