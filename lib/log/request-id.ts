import { randomUUID } from "node:crypto";

const WELL_FORMED = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The id a request is known by in our logs, the origin's and the caller's: the caller's
 * `X-Request-Id` when it is a plain token (so it cannot inject into a log line or a
 * header), else a fresh UUID. A repeated header is not one id: replaced too.
 */
export function requestIdFrom(header: string | string[] | null | undefined): string {
  return typeof header === "string" && WELL_FORMED.test(header) ? header : randomUUID();
}
