import Link from "next/link";
import { CATALOG_PAGE_MAX, listCatalog } from "@/lib/api/catalog";
import { getAppContext } from "@/lib/app/context";
import { slugSchema } from "@/lib/endpoints/slug";
import { formatCredits, formatUsdcText } from "@/lib/ui/format";

export const dynamic = "force-dynamic";

/** The catalog, a page at a time: active endpoints with their cheapest pack. */
export default async function CatalogPage({
  searchParams,
}: {
  searchParams: Promise<{ after?: string | string[] }>;
}) {
  const after = slugSchema.safeParse((await searchParams).after);
  const { endpoints, nextCursor } = await listCatalog(await getAppContext(), {
    limit: CATALOG_PAGE_MAX,
    cursor: after.success ? after.data : undefined,
  });
  return (
    <div>
      <h1 className="text-2xl font-semibold tracking-tight">API catalog</h1>
      <p className="mt-2 text-zinc-600 dark:text-zinc-400">
        Buy a credit pack once with USDC, then call the API with one header. No transaction per
        call.
      </p>
      {endpoints.length === 0 ? (
        <p className="mt-8 rounded-md border border-dashed border-zinc-300 p-6 text-center dark:border-zinc-700">
          No endpoints are on sale yet.{" "}
          <Link className="underline" href="/provider/new">
            Create the first one
          </Link>
          .
        </p>
      ) : (
        <ul className="mt-6 grid gap-4 sm:grid-cols-2">
          {endpoints.map((e) => {
            const cheapest = [...e.packs].sort((a, b) => Number(a.amount) - Number(b.amount))[0];
            return (
              <li key={e.slug}>
                <Link
                  href={`/endpoints/${e.slug}`}
                  className="block h-full rounded-lg border border-zinc-200 p-4 hover:border-indigo-400 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:border-zinc-800"
                >
                  <div className="flex items-baseline justify-between gap-2">
                    <h2 className="font-semibold">{e.name}</h2>
                    <code className="text-xs text-zinc-500 dark:text-zinc-400">{e.slug}</code>
                  </div>
                  <p className="mt-1 line-clamp-2 text-sm text-zinc-600 dark:text-zinc-400">
                    {e.description || "No description."}
                  </p>
                  <p className="mt-3 text-sm">
                    {formatCredits(e.creditsPerCall)} credit{e.creditsPerCall === 1 ? "" : "s"} per
                    call
                    {cheapest &&
                      ` · from ${formatUsdcText(cheapest.price)} for ${formatCredits(cheapest.credits)} credits`}
                  </p>
                </Link>
              </li>
            );
          })}
        </ul>
      )}
      {nextCursor && (
        <p className="mt-6 text-right">
          <Link className="underline" href={`/?after=${nextCursor}`}>
            More endpoints →
          </Link>
        </p>
      )}
    </div>
  );
}
