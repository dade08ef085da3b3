import type { z } from "zod";
import { ApiError } from "./errors";

const MAX_BYTES = 64 * 1024;

/**
 * Reads a JSON body: over 64 KiB → 413, malformed → 400 before any schema runs, schema
 * failure → 422 naming the field.
 */
export async function parseJsonBody<S extends z.ZodType>(
  request: Request,
  schema: S,
): Promise<z.infer<S>> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > MAX_BYTES) throw new ApiError("payload_too_large", "The body exceeds 64 KiB.");
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_BYTES)
    throw new ApiError("payload_too_large", "The body exceeds 64 KiB.");
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
