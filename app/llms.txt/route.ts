import { handleLlmsTxt } from "@/lib/api/discovery";
import { allMethods, routeHandler } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

// GET /llms.txt — how an agent checks a balance, calls, tops up and signs in.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = allMethods(
  routeHandler(handleLlmsTxt),
);
