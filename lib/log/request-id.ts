import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

const WELL_FORMED = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The id a request is known by in our logs, the origin's and the caller's: the caller's
 * `X-Request-Id` when it is a plain token (so it cannot inject into a log line or a
 * header), else a fresh UUID. A repeated header is not one id: replaced too.
 */
export function requestIdFrom(header: string | string[] | null | undefined): string {
  return typeof header === "string" && WELL_FORMED.test(header) ? header : randomUUID();
}

/**
 * Gives the request its id, in both header views (the fast door reads `rawHeaders`, Next
 * reads `headers`), so every handler and the origin see ours only. Returns it.
 */
export function stampRequestId(req: IncomingMessage): string {
  const id = requestIdFrom(req.headers["x-request-id"]);
  const raw = req.rawHeaders;
  let kept = 0;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() === "x-request-id") continue;
    raw[kept++] = raw[i] as string;
    raw[kept++] = raw[i + 1] as string;
  }
  raw.length = kept;
  raw.push("X-Request-Id", id);
  req.headers["x-request-id"] = id;
  return id;
}
