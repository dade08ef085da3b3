"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button, Card, Notice, Skeleton } from "@/components/ui";
import { useEndpointUsage, useProviderEndpoint } from "@/hooks/use-provider-endpoints";
import { api } from "@/lib/ui/api";
import { EndpointForm } from "./endpoint-form";
import { EndpointKpis } from "./endpoint-kpis";
import { EndpointReports } from "./endpoint-reports";
import { SecretReveal } from "./secret-reveal";
import { UsageChart } from "./usage-chart";

/** One endpoint for its provider: state actions, key rotation, edit form, reports. */
export function EndpointAdmin({ slug }: { slug: string }) {
  const endpoint = useProviderEndpoint(slug);
  const usage = useEndpointUsage(slug, 30);
  const queryClient = useQueryClient();
  const router = useRouter();
  const [key, setKey] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const action = useMutation({
    mutationFn: (a: "pause" | "resume" | "rotate-key" | "delete") =>
      a === "delete"
        ? api(`/api/provider/endpoints/${slug}`, { method: "DELETE" })
        : api<{ originKey?: string }>(`/api/provider/endpoints/${slug}/${a}`, { method: "POST" }),
    onSuccess: (r, a) => {
      if (a === "delete") return router.push("/provider");
      const originKey = (r as { originKey?: string }).originKey;
      if (originKey) setKey(originKey);
      void queryClient.invalidateQueries({ queryKey: ["provider"] });
    },
  });
  if (endpoint.isLoading) return <Skeleton className="h-40 w-full" />;
  if (endpoint.error || !endpoint.data)
    return <Notice tone="error">{endpoint.error?.message ?? "Not found."}</Notice>;
  const e = endpoint.data;
  const confirmThen = (question: string, a: Parameters<typeof action.mutate>[0]) => {
    if (window.confirm(question)) action.mutate(a);
  };
  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">{e.name}</h1>
          <p className="text-sm text-zinc-500 dark:text-zinc-400">
            <code>{e.gatewayUrl}</code> ·{" "}
            <span data-testid="endpoint-state">{e.paused ? "Paused" : "Live"}</span>
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          {e.paused ? (
            <Button onClick={() => action.mutate("resume")}>Resume</Button>
          ) : (
            <Button
              variant="secondary"
              onClick={() =>
                confirmThen(`Pause ${slug}? Calls will get 503 until you resume.`, "pause")
              }
            >
              Pause
            </Button>
          )}
          <Button
            variant="secondary"
            onClick={() =>
              confirmThen("Rotate the origin key? The old key stops working at once.", "rotate-key")
            }
          >
            Rotate origin key
          </Button>
          <Button
            variant="danger"
            onClick={() =>
              confirmThen(
                `Delete ${slug}? The slug stays taken; buyers keep their ledger.`,
                "delete",
              )
            }
          >
            Delete
          </Button>
        </div>
      </div>
      {action.error && <Notice tone="error">{action.error.message}</Notice>}
      {key && <SecretReveal label="New origin key" secret={key} />}
      <Card title="Last 7 days">
        <EndpointKpis slug={slug} />
      </Card>
      <Card title="Usage, 30 days">
        {usage.data ? (
          <UsageChart series={usage.data.series} label={`Usage of ${slug}`} />
        ) : (
          <Skeleton className="h-56 w-full" />
        )}
      </Card>
      <Card title="Settings">
        {saved && (
          <div className="mb-3">
            <Notice tone="success">Saved.</Notice>
          </div>
        )}
        <EndpointForm key={e.slug} initial={e} onSaved={() => setSaved(true)} />
      </Card>
      <EndpointReports slug={slug} />
    </div>
  );
}
