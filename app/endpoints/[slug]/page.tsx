import { notFound } from "next/navigation";
import { BuyPanel } from "@/components/buy-panel";
import { CodeSnippets } from "@/components/code-snippets";
import { MyUsage } from "@/components/my-usage";
import { SignInGate } from "@/components/sign-in-gate";
import { Card, ScrollX } from "@/components/ui";
import { catalogEndpoint } from "@/lib/api/catalog";
import { getAppContext } from "@/lib/app/context";
import { formatCredits } from "@/lib/ui/format";

export const dynamic = "force-dynamic";

/** One endpoint: what it does, what each route costs, packs to buy, how to call it. */
export default async function EndpointPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const ctx = await getAppContext();
  const endpoint = await catalogEndpoint(ctx, slug);
  if (!endpoint) notFound();
  const routes = endpoint.apiSchema?.routes ?? [];
  const firstGet = routes.find((r) => r.method === "GET" && !r.path.includes("{"));
  return (
    <div className="flex flex-col gap-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">{endpoint.name}</h1>
        <p className="mt-1 text-sm text-zinc-500 dark:text-zinc-400">
          <code>{endpoint.slug}</code> · {formatCredits(endpoint.creditsPerCall)} credit
          {endpoint.creditsPerCall === 1 ? "" : "s"} per call unless a route says otherwise
        </p>
        {endpoint.description && <p className="mt-3 max-w-prose">{endpoint.description}</p>}
      </div>
      <BuyPanel endpoint={endpoint} />
      {routes.length > 0 && (
        <Card title="Routes">
          <ScrollX label="Routes table">
            <table className="w-full text-left text-sm">
              <thead className="text-zinc-500 dark:text-zinc-400">
                <tr>
                  <th className="py-1 pr-3 font-medium">Method</th>
                  <th className="py-1 pr-3 font-medium">Path</th>
                  <th className="py-1 pr-3 font-medium">What it does</th>
                  <th className="py-1 text-right font-medium">Credits</th>
                </tr>
              </thead>
              <tbody>
                {routes.map((r) => (
                  <tr
                    key={`${r.method} ${r.path}`}
                    className="border-t border-zinc-200 dark:border-zinc-800"
                  >
                    <td className="py-1.5 pr-3 font-mono">{r.method}</td>
                    <td className="py-1.5 pr-3 font-mono">{r.path}</td>
                    <td className="py-1.5 pr-3">{r.summary ?? ""}</td>
                    <td className="py-1.5 text-right tabular-nums">
                      {formatCredits(r.credits ?? endpoint.creditsPerCall)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollX>
        </Card>
      )}
      <Card title="Call it">
        <CodeSnippets
          slug={endpoint.slug}
          publicUrl={ctx.config.publicUrl}
          path={firstGet?.path ?? "/"}
        />
      </Card>
      <Card title="Your usage">
        <SignInGate why="see your usage">
          <MyUsage slug={endpoint.slug} />
        </SignInGate>
      </Card>
    </div>
  );
}
