"use client";

import Link from "next/link";
import { Skeleton } from "@/components/ui";
import { useProviderEndpoints } from "@/hooks/use-provider-endpoints";
import { EndpointKpis } from "./endpoint-kpis";

export function ProviderEndpointList() {
  const endpoints = useProviderEndpoints();
  if (endpoints.isLoading) return <Skeleton className="h-24 w-full" />;
  if (endpoints.error)
    return (
      <p role="alert" className="text-red-600">
        {endpoints.error.message}
      </p>
    );
  const list = endpoints.data ?? [];
  if (list.length === 0) {
    return (
      <p className="rounded-md border border-dashed border-zinc-300 p-6 text-center dark:border-zinc-700">
        You have no endpoints yet.{" "}
        <Link className="underline" href="/provider/new">
          Create one
        </Link>
        .
      </p>
    );
  }
  return (
    <ul className="flex flex-col gap-3">
      {list.map((e) => (
        <li key={e.slug} className="rounded-lg border border-zinc-200 p-4 dark:border-zinc-800">
          <div className="mb-2 flex flex-wrap items-center gap-2">
            <Link className="font-semibold underline" href={`/provider/${e.slug}`}>
              {e.name}
            </Link>
            <code className="text-xs text-zinc-500 dark:text-zinc-400">{e.slug}</code>
            {e.paused && (
              <span className="rounded bg-amber-100 px-1.5 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-200">
                paused
              </span>
            )}
          </div>
          <EndpointKpis slug={e.slug} />
        </li>
      ))}
    </ul>
  );
}
