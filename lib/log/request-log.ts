import type { IncomingMessage, ServerResponse } from "node:http";
import { methodLabel, routeTemplate } from "@/lib/metrics/routes";
import { log } from "./logger";

/**
 * One line per request once its connection is done with it: the route template (never the
 * raw path, which carries slugs and query strings), status (`aborted` when the answer never
 * finished) and duration. No headers: the secrets are in them.
 */
export function logRequest(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  reqId: string,
) {
  const started = performance.now();
  res.once("close", () => {
    const status = res.writableFinished ? res.statusCode : "aborted";
    const line = {
      reqId,
      method: methodLabel(req.method),
      route: routeTemplate(pathname),
      status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    };
    if (typeof status === "number" && status >= 500) log().warn(line, "request");
    else log().info(line, "request");
  });
}
