import { allowMethods, type Handler } from "@/lib/http/handler";
import { readiness } from "./readiness";

const NO_STORE = { "cache-control": "no-store" };

/** GET /healthz — the process is alive and its event loop turns; nothing else is asked. */
export const handleHealthz: Handler = allowMethods(["GET", "HEAD"], async () =>
  Response.json({ status: "ok" }, { headers: NO_STORE }),
);

/** GET /readyz — 200 when this process should get traffic, else 503; each check named. */
export const handleReadyz: Handler = allowMethods(["GET", "HEAD"], async (_request, ctx) => {
  const { ready, checks } = await readiness(ctx);
  return Response.json(
    { status: ready ? "ready" : "not_ready", checks },
    { status: ready ? 200 : 503, headers: NO_STORE },
  );
});
