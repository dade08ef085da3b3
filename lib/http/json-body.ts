import type { z } from "zod";
import { ApiError } from "./errors";

const MAX_BYTES = 64 * 1024;

function tooLarge(limit: number): ApiError {
  return new ApiError("payload_too_large", `The body exceeds ${limit / 1024} KiB.`, undefined, {
    connection: "close",
  });
}

/**
 * Reads a request body, counting bytes as they arrive and refusing (413) the moment it
 * passes `limit`: a chunked body with no Content-Length is never held whole. The rest is
 * left unread; the server closes the connection after the answer.
 */
export async function readBody(request: Request, limit = MAX_BYTES): Promise<Buffer> {
  if (Number(request.headers.get("content-length") ?? 0) > limit) throw tooLarge(limit);
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.releaseLock();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Reads a JSON body: over 64 KiB → 413, malformed → 400 before any schema runs, schema
 * failure → 422 naming the field.
 */
export async function parseJsonBody<S extends z.ZodType>(
  request: Request,
  schema: S,
): Promise<z.infer<S>> {
  const text = (await readBody(request)).toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ApiError("invalid_json", "The body is not valid JSON.");
  }
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ApiError(
    "invalid_field",
    `Field "${issue?.path.join(".") || "body"}" ${issue?.message ?? "is invalid"}.`,
  );
}
