import { type AppContext, getAppContext } from "@/lib/app/context";
import { ApiError, errorResponse } from "./errors";

export type Handler = (request: Request, ctx: AppContext) => Promise<Response>;

/** Wraps a handler so that every failure, expected or not, answers in the JSON error shape. */
export function withErrors(handler: Handler): Handler {
  return async (request, ctx) => {
    try {
      return await handler(request, ctx);
    } catch (err) {
      return errorResponse(err);
    }
  };
}

/** A Next.js route handler over a plain handler: same code, Next's door. */
export function routeHandler(handler: Handler): (request: Request) => Promise<Response> {
  const safe = withErrors(handler);
  return async (request) => {
    try {
      return await safe(request, await getAppContext());
    } catch (err) {
      return errorResponse(err);
    }
  };
}

/** Refuses any method but the listed ones with a JSON 405, before the handler runs. */
export function allowMethods(methods: string[], handler: Handler): Handler {
  const allowed = new Set(methods);
  return async (request, ctx) => {
    if (!allowed.has(request.method)) {
      throw new ApiError("method_not_allowed", `Use ${methods.join(" or ")} here.`, undefined, {
        allow: methods.join(", "),
      });
    }
    return handler(request, ctx);
  };
}

/** Every HTTP method of a Next route file bound to one handler (it checks the method). */
export function allMethods(handler: (request: Request) => Promise<Response>) {
  return {
    GET: handler,
    HEAD: handler,
    POST: handler,
    PUT: handler,
    PATCH: handler,
    DELETE: handler,
    OPTIONS: handler,
  };
}
