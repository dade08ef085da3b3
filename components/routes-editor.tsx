"use client";

import { Button, inputClass } from "@/components/ui";

/** A route as edited; `rest` keeps fields this form does not show (parameters, body). */
export interface RouteDraft {
  method: string;
  path: string;
  credits: string;
  summary: string;
  rest?: Record<string, unknown>;
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/** Per-route costs: a route with credits overrides the endpoint's credits per call. */
export function RoutesEditor({
  routes,
  onChange,
}: {
  routes: RouteDraft[];
  onChange: (r: RouteDraft[]) => void;
}) {
  const set = (i: number, patch: Partial<RouteDraft>) =>
    onChange(routes.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <fieldset className="flex flex-col gap-2">
      <legend className="mb-1 text-sm font-medium">Routes and costs (optional)</legend>
      <p className="text-xs text-zinc-500 dark:text-zinc-400">
        Shown to buyers and agents; a call matching a route with credits costs that much. Use
        {" {name} "}for path parameters.
      </p>
      {routes.map((r, i) => (
        <div
          // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity of their own
          key={i}
          className="grid grid-cols-[5.5rem_1fr_5rem_auto] items-end gap-2 sm:grid-cols-[5.5rem_1fr_5rem_1fr_auto]"
        >
          <label className="text-xs">
            Method
            <select
              className={inputClass}
              aria-label={`Route ${i + 1} method`}
              value={r.method}
              onChange={(e) => set(i, { method: e.target.value })}
            >
              {METHODS.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </label>
          <label className="text-xs">
            Path
            <input
              className={inputClass}
              aria-label={`Route ${i + 1} path`}
              placeholder="/analyze"
              value={r.path}
              onChange={(e) => set(i, { path: e.target.value })}
            />
          </label>
          <label className="text-xs">
            Credits
            <input
              className={inputClass}
              aria-label={`Route ${i + 1} credits`}
              inputMode="numeric"
              placeholder="default"
              value={r.credits}
              onChange={(e) => set(i, { credits: e.target.value })}
            />
          </label>
          {/* On a phone the summary takes a row of its own, after the remove button. */}
          <label className="order-last col-span-full text-xs sm:order-none sm:col-span-1">
            What it does
            <input
              className={inputClass}
              aria-label={`Route ${i + 1} summary`}
              placeholder="Counts words in a text"
              value={r.summary}
              onChange={(e) => set(i, { summary: e.target.value })}
            />
          </label>
          <Button
            variant="secondary"
            aria-label={`Remove route ${i + 1}`}
            onClick={() => onChange(routes.filter((_, j) => j !== i))}
          >
            ✕
          </Button>
        </div>
      ))}
      <div>
        <Button
          variant="secondary"
          onClick={() =>
            onChange([...routes, { method: "GET", path: "/", credits: "", summary: "" }])
          }
        >
          Add route
        </Button>
      </div>
    </fieldset>
  );
}

/** Drafts from a stored schema, and back (null when there are no routes). */
export function routeDrafts(schema: { routes: Record<string, unknown>[] } | null): RouteDraft[] {
  return (schema?.routes ?? []).map(({ method, path, credits, summary, ...rest }) => ({
    method: String(method),
    path: String(path),
    credits: credits === undefined ? "" : String(credits),
    summary: summary === undefined ? "" : String(summary),
    rest,
  }));
}

export function routesSchema(drafts: RouteDraft[]) {
  if (drafts.length === 0) return null;
  return {
    version: 1,
    routes: drafts.map((d) => ({
      ...d.rest,
      method: d.method,
      path: d.path.trim(),
      ...(d.credits.trim() && { credits: Number(d.credits) }),
      ...(d.summary.trim() && { summary: d.summary.trim() }),
    })),
  };
}
