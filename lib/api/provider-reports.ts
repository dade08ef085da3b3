import type { AppContext } from "@/lib/app/context";
import { csvResponse } from "@/lib/http/csv";
import { ApiError } from "@/lib/http/errors";
import { activeWallets } from "@/lib/provider/active-wallets";
import { decodeCustomerCursor, listCustomers } from "@/lib/provider/customers";
import { ownEndpoint } from "@/lib/provider/endpoints";
import { ledgerPage } from "@/lib/provider/ledger-page";
import { usageSeries } from "@/lib/provider/usage";
import { entryIdCursor, parseReportQuery } from "./report-query";

export const REPORTS = new Set(["usage", "customers", "ledger"]);

/** GET /api/provider/endpoints/SLUG/usage|customers|ledger — JSON, or CSV with ?format=csv. */
export async function handleProviderReport(
  request: Request,
  ctx: AppContext,
  owner: string,
  slug: string,
  report: string,
): Promise<Response> {
  if (request.method !== "GET") throw new ApiError("method_not_allowed", "Use GET here.");
  const endpoint = await ownEndpoint(ctx.db, owner, slug);
  const q = parseReportQuery(new URL(request.url));
  if (report === "usage") {
    const series = await usageSeries(ctx.db, {
      endpointId: endpoint.id,
      from: q.from,
      to: q.to,
      bucket: q.bucket,
    });
    return q.format === "csv"
      ? csvResponse(series, `${slug}-usage.csv`)
      : Response.json({
          endpoint: slug,
          bucket: q.bucket,
          from: q.from.toISOString(),
          to: q.to.toISOString(),
          series,
          // Distinct wallets cannot be summed from the buckets; answerable cheaply only for
          // a range that ends now, which is when `to` is left out.
          ...(!q.toGiven && { activeWallets: await activeWallets(ctx.db, endpoint.id, q.from) }),
        });
  }
  if (report === "customers") {
    const page = await listCustomers(ctx.db, endpoint.id, q.limit, decodeCustomerCursor(q.cursor));
    return q.format === "csv"
      ? csvResponse(page.customers, `${slug}-customers.csv`)
      : Response.json(page);
  }
  const before = entryIdCursor(q.cursor);
  const page = await ledgerPage(ctx.db, { endpointId: endpoint.id }, q.limit, before);
  return q.format === "csv" ? csvResponse(page.entries, `${slug}-ledger.csv`) : Response.json(page);
}
