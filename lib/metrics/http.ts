import type { IncomingMessage, ServerResponse } from "node:http";
import { metrics } from "./metrics";
import { methodLabel, routeTemplate } from "./routes";

/**
 * Times one request until its connection is done with it. An answer that never finished
 * (the caller left, or the server cut it) is counted with status `aborted`.
 */
export function observeRequest(req: IncomingMessage, res: ServerResponse, pathname: string) {
  const started = performance.now();
  res.once("close", () => {
    metrics.httpRequests.observe(
      {
        route: routeTemplate(pathname),
        method: methodLabel(req.method),
        status: res.writableFinished ? res.statusCode : "aborted",
      },
      (performance.now() - started) / 1000,
    );
  });
}
