import type { AppContext } from "@/lib/app/context";
import { requireBuyer } from "@/lib/auth/principal";
import { requireEndpoint } from "@/lib/endpoints/find";
import { csvResponse } from "@/lib/http/csv";
import { ApiError } from "@/lib/http/errors";
import { listBalances } from "@/lib/ledger";
import { ledgerPage } from "@/lib/provider/ledger-page";
import { usageSeries } from "@/lib/provider/usage";
import { listPurchases } from "@/lib/purchase/history";
import { entryIdCursor, parseReportQuery } from "./report-query";

/**
 * GET /api/me/balances | /api/me/history?endpoint= | /api/me/usage?endpoint=&bucket= |
 * /api/me/purchases — the signed-in buyer's own wallet, never anyone else's.
 */
export async function handleMe(request: Request, ctx: AppContext): Promise<Response> {
  if (request.method !== "GET") throw new ApiError("method_not_allowed", "Use GET here.");
  const { address: wallet } = await requireBuyer(ctx, request);
  const view = new URL(request.url).pathname.replace(/^\/api\/me\/?/, "");
  const q = parseReportQuery(new URL(request.url));
  if (view === "balances") {
    const rows = await listBalances(ctx.db, wallet);
    return Response.json({
      balances: rows.map((r) => ({ endpoint: r.endpoint, credits: Number(r.credits) })),
    });
  }
  if (view === "purchases") {
    const purchases = await listPurchases(ctx, wallet, q.limit);
    return q.format === "csv"
      ? csvResponse(purchases, "purchases.csv")
      : Response.json({ purchases });
  }
  if (view !== "history" && view !== "usage")
    throw new ApiError("not_found", `No /api/me/${view}.`);
  if (!q.endpoint) throw new ApiError("bad_request", 'Query parameter "endpoint" is required.');
  const endpoint = await requireEndpoint(ctx.db, q.endpoint);
  if (view === "usage") {
    const series = await usageSeries(ctx.db, {
      endpointId: endpoint.id,
      wallet,
      from: q.from,
      to: q.to,
      bucket: q.bucket,
    });
    return q.format === "csv"
      ? csvResponse(series, `${endpoint.slug}-usage.csv`)
      : Response.json({ endpoint: endpoint.slug, bucket: q.bucket, series });
  }
  const before = entryIdCursor(q.cursor);
  const page = await ledgerPage(ctx.db, { endpointId: endpoint.id, wallet }, q.limit, before);
  return q.format === "csv"
    ? csvResponse(page.entries, `${endpoint.slug}-history.csv`)
    : Response.json(page);
}
