import type { z } from "zod";
import { ApiError, type ErrorCode } from "./errors";

/**
 * Validates a URL's query string against a zod schema; the first failure becomes a 400
 * that names the parameter. Repeated parameters take their first value.
 */
export function parseQuery<S extends z.ZodType>(
  url: URL,
  schema: S,
  code: ErrorCode = "bad_request",
): z.infer<S> {
  const raw: Record<string, string> = {};
  for (const [key, value] of url.searchParams) if (!(key in raw)) raw[key] = value;
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = issue?.path.join(".") || "query";
  throw new ApiError(code, `Query parameter "${name}" ${issue?.message ?? "is invalid"}.`);
}

/** A paging cursor the API did not hand out (tampered, truncated, from another list). */
export function badCursor(): ApiError {
  return new ApiError(
    "bad_request",
    'Query parameter "cursor" is not a cursor this API handed out.',
  );
}
