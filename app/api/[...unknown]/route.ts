import { ApiError } from "@/lib/http/errors";
import { allMethods, routeHandler } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

// ANY /api/* that no other route serves: a JSON 404, never Next's HTML page.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = allMethods(
  routeHandler(async (request) => {
    throw new ApiError("not_found", `No API at ${new URL(request.url).pathname}.`);
  }),
);
