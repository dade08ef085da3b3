import type { AppContext } from "@/lib/app/context";
import { requireProvider } from "@/lib/auth/principal";
import { slugSchema } from "@/lib/endpoints/slug";
import { ApiError } from "@/lib/http/errors";
import { parseJsonBody } from "@/lib/http/json-body";
import {
  type Actor,
  type CorrectionKind,
  correctCredits,
  correctionSchema,
  listCorrections,
} from "@/lib/provider/corrections";
import {
  createProviderEndpoint,
  getProviderEndpoint,
  listProviderEndpoints,
  setEndpointState,
  updateProviderEndpoint,
} from "@/lib/provider/endpoints";
import { createEndpointSchema, updateEndpointSchema } from "@/lib/provider/schemas";
import { handleProviderReport, REPORTS } from "./provider-reports";

const ACTIONS = new Set(["pause", "resume", "rotate-key"] as const);
type Action = "pause" | "resume" | "rotate-key";

/**
 * /api/provider/endpoints[/SLUG[/ACTION]] — a provider's endpoints: create and list;
 * read, update and delete one; pause, resume, rotate its origin key; its reports; credit
 * grants and refunds to its buyers.
 */
export async function handleProviderEndpoints(
  request: Request,
  ctx: AppContext,
): Promise<Response> {
  const principal = await requireProvider(ctx, request);
  const { address } = principal;
  const [slug, action, extra] = new URL(request.url).pathname
    .replace(/^\/api\/provider\/endpoints\/?/, "")
    .split("/")
    .filter(Boolean);
  if (extra !== undefined) throw new ApiError("not_found", "No such provider API.");
  if (slug === undefined) return collection(request, ctx, address);
  if (!slugSchema.safeParse(slug).success)
    throw new ApiError("endpoint_not_found", `You have no endpoint named "${slug}".`);
  if (action === undefined) return item(request, ctx, address, slug);
  if (REPORTS.has(action)) return handleProviderReport(request, ctx, address, slug, action);
  if (action === "grants" || action === "refunds")
    return corrections(request, ctx, principal, slug, action === "grants" ? "grant" : "refund");
  if (!ACTIONS.has(action as Action)) throw new ApiError("not_found", `No action "${action}".`);
  requireMethod(request, ["POST"]);
  const { endpoint, originKey } = await setEndpointState(ctx, address, slug, action as Action);
  return Response.json(originKey ? { endpoint, originKey } : { endpoint });
}

async function collection(request: Request, ctx: AppContext, owner: string) {
  requireMethod(request, ["GET", "POST"]);
  if (request.method === "GET")
    return Response.json({ endpoints: await listProviderEndpoints(ctx, owner) });
  const input = await parseJsonBody(request, createEndpointSchema);
  return Response.json(await createProviderEndpoint(ctx, owner, input), { status: 201 });
}

/** GET lists the endpoint's grants or refunds; POST makes one (201, or 200 when replayed). */
async function corrections(
  request: Request,
  ctx: AppContext,
  actor: Actor,
  slug: string,
  kind: CorrectionKind,
) {
  requireMethod(request, ["GET", "POST"]);
  if (request.method === "GET")
    return Response.json({
      [`${kind}s`]: await listCorrections(ctx.db, actor.address, slug, kind),
    });
  const input = await parseJsonBody(request, correctionSchema);
  const { correction, replayed } = await correctCredits(ctx.db, actor, slug, kind, input);
  return Response.json(
    { [kind]: correction, ...(replayed && { replayed: true }) },
    { status: replayed ? 200 : 201 },
  );
}

async function item(request: Request, ctx: AppContext, owner: string, slug: string) {
  requireMethod(request, ["GET", "PATCH", "DELETE"]);
  if (request.method === "GET")
    return Response.json({ endpoint: await getProviderEndpoint(ctx, owner, slug) });
  if (request.method === "DELETE") {
    await setEndpointState(ctx, owner, slug, "delete");
    return Response.json({ deleted: true, slug });
  }
  const input = await parseJsonBody(request, updateEndpointSchema);
  return Response.json({ endpoint: await updateProviderEndpoint(ctx, owner, slug, input) });
}

function requireMethod(request: Request, methods: string[]) {
  if (!methods.includes(request.method)) {
    throw new ApiError("method_not_allowed", `Use ${methods.join(" or ")} here.`, undefined, {
      allow: methods.join(", "),
    });
  }
}
