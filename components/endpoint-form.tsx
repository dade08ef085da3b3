"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useState } from "react";
import { Button, inputClass, Notice } from "@/components/ui";
import type { ProviderEndpoint } from "@/hooks/use-provider-endpoints";
import { api } from "@/lib/ui/api";
import { type PackDraft, PacksEditor } from "./packs-editor";
import { type RouteDraft, RoutesEditor, routeDrafts, routesSchema } from "./routes-editor";

type Saved = { endpoint: ProviderEndpoint; originKey?: string };

/** Create (no `initial`) or edit an endpoint. Shows the API's 422 message as it comes. */
export function EndpointForm({
  initial,
  onSaved,
}: {
  initial?: ProviderEndpoint;
  onSaved: (r: Saved) => void;
}) {
  const queryClient = useQueryClient();
  const [f, setF] = useState({
    slug: initial?.slug ?? "",
    name: initial?.name ?? "",
    description: initial?.description ?? "",
    originUrl: initial?.originUrl ?? "",
    payTo: initial?.payTo ?? "",
    creditsPerCall: String(initial?.creditsPerCall ?? 1),
    walletAuth: initial?.walletAuth ?? "header",
    refundOnError: initial?.refundOnError ?? true,
    timeoutMs: String(initial?.timeoutMs ?? 30000),
    defaultPack: initial?.defaultPack ?? "",
  });
  const [packs, setPacks] = useState<PackDraft[]>(
    initial?.packs.map((p) => ({
      id: p.id,
      name: p.name,
      credits: String(p.credits),
      price: p.price,
    })) ?? [{ name: "Starter", credits: "100", price: "1.00" }],
  );
  const [routes, setRoutes] = useState<RouteDraft[]>(
    routeDrafts(initial?.apiSchema as { routes: Record<string, unknown>[] } | null),
  );
  const [problems, setProblems] = useState<string[]>([]);
  // Messages describe the last submit; once the form changes they may be stale, so hide them.
  const set = (patch: Partial<typeof f>) => {
    setProblems([]);
    setF((old) => ({ ...old, ...patch }));
  };

  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      initial
        ? api<Saved>(`/api/provider/endpoints/${initial.slug}`, { method: "PATCH", json: body })
        : api<Saved>("/api/provider/endpoints", { method: "POST", json: body }),
    onSuccess: (r) => {
      void queryClient.invalidateQueries({ queryKey: ["provider"] });
      onSaved(r);
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found: string[] = [];
    if (!initial && !/^[a-z0-9][a-z0-9-]{1,62}$/.test(f.slug))
      found.push("Slug: lower-case letters, digits and -, at least 2 characters.");
    if (!f.name.trim()) found.push("Name is required.");
    if (!/^https?:\/\//.test(f.originUrl))
      found.push("Origin URL must start with http:// or https://.");
    if (!/^[1-9]\d*$/.test(f.creditsPerCall))
      found.push("Credits per call must be a positive whole number.");
    packs.forEach((p, i) => {
      if (!p.name.trim()) found.push(`Pack ${i + 1}: name is required.`);
      if (!/^[1-9]\d*$/.test(p.credits))
        found.push(`Pack ${i + 1}: credits must be a positive whole number.`);
      if (!/^\d+(\.\d{1,6})?$/.test(p.price) || Number(p.price) < 0.01)
        found.push(`Pack ${i + 1}: price must be at least 0.01 USDC.`);
    });
    routes.forEach((r, i) => {
      if (!r.path.startsWith("/")) found.push(`Route ${i + 1}: path must start with /.`);
      if (r.credits && !/^[1-9]\d*$/.test(r.credits))
        found.push(`Route ${i + 1}: credits must be a positive whole number.`);
    });
    setProblems(found);
    if (found.length) return;
    save.mutate({
      ...(!initial && { slug: f.slug }),
      name: f.name.trim(),
      description: f.description,
      originUrl: f.originUrl,
      ...(f.payTo && { payTo: f.payTo }),
      creditsPerCall: Number(f.creditsPerCall),
      walletAuth: f.walletAuth,
      refundOnError: f.refundOnError,
      timeoutMs: Number(f.timeoutMs),
      packs: packs.map((p) => ({
        ...(p.id && { id: p.id }),
        name: p.name.trim(),
        credits: Number(p.credits),
        price: p.price,
      })),
      ...((routes.length > 0 || initial?.apiSchema) && { apiSchema: routesSchema(routes) }),
      ...(f.defaultPack ? { defaultPack: f.defaultPack } : initial ? { defaultPack: null } : {}),
    });
  };

  return (
    <form onSubmit={submit} noValidate className="flex max-w-2xl flex-col gap-4">
      {!initial && (
        <Field label="Slug" hint="Public and permanent: agents call /e/SLUG.">
          <input
            className={inputClass}
            value={f.slug}
            onChange={(e) => set({ slug: e.target.value })}
            required
          />
        </Field>
      )}
      <Field label="Name">
        <input
          className={inputClass}
          value={f.name}
          onChange={(e) => set({ name: e.target.value })}
          required
        />
      </Field>
      <Field label="Description">
        <textarea
          className={inputClass}
          rows={2}
          value={f.description}
          onChange={(e) => set({ description: e.target.value })}
        />
      </Field>
      <Field
        label="Origin URL"
        hint="Where the gateway forwards paid calls, with your origin key in X-API-Key."
      >
        <input
          className={inputClass}
          type="url"
          value={f.originUrl}
          onChange={(e) => set({ originUrl: e.target.value })}
          required
        />
      </Field>
      <Field label="Payout address" hint="USDC from packs goes here. Empty: your signed-in wallet.">
        <input
          className={inputClass}
          value={f.payTo}
          placeholder="0x…"
          onChange={(e) => set({ payTo: e.target.value })}
        />
      </Field>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Credits per call">
          <input
            className={inputClass}
            inputMode="numeric"
            value={f.creditsPerCall}
            onChange={(e) => set({ creditsPerCall: e.target.value })}
          />
        </Field>
        <Field label="Origin timeout (ms)">
          <input
            className={inputClass}
            inputMode="numeric"
            value={f.timeoutMs}
            onChange={(e) => set({ timeoutMs: e.target.value })}
          />
        </Field>
      </div>
      <PacksEditor packs={packs} onChange={setPacks} />
      <RoutesEditor routes={routes} onChange={setRoutes} />
      <Field label="Default pack" hint="Offered in the 402 to agents. Empty: the cheapest.">
        <select
          className={inputClass}
          value={f.defaultPack}
          onChange={(e) => set({ defaultPack: e.target.value })}
        >
          <option value="">Cheapest</option>
          {packs
            .filter((p) => p.id)
            .map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
        </select>
      </Field>
      <fieldset className="text-sm">
        <legend className="mb-1 font-medium">Wallet authentication</legend>
        <label className="flex gap-2">
          <input
            type="radio"
            name="walletAuth"
            checked={f.walletAuth === "header"}
            onChange={() => set({ walletAuth: "header" })}
          />
          <span>
            <strong>Header</strong> — the x-wallet-address header alone identifies the buyer.
            Simplest for agents; anyone who knows a wallet can spend its credits.
          </span>
        </label>
        <label className="mt-1 flex gap-2">
          <input
            type="radio"
            name="walletAuth"
            checked={f.walletAuth === "signed"}
            onChange={() => set({ walletAuth: "signed" })}
          />
          <span>
            <strong>Signed</strong> — callers also prove control of the wallet (SIWE sign-in header
            or a short-lived bearer token).
          </span>
        </label>
      </fieldset>
      <label className="flex items-center gap-2 text-sm">
        <input
          type="checkbox"
          checked={f.refundOnError}
          onChange={(e) => set({ refundOnError: e.target.checked })}
        />
        Refund credits when the origin answers 5xx
      </label>
      {problems.length > 0 && (
        <Notice tone="error">
          <ul>
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </Notice>
      )}
      {save.error && <Notice tone="error">{save.error.message}</Notice>}
      <div>
        <Button type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : initial ? "Save changes" : "Create endpoint"}
        </Button>
      </div>
    </form>
  );
}

function Field({ label, hint, children }: { label: string; hint?: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is passed in as children
    <label className="flex flex-col gap-1 text-sm">
      <span className="font-medium">{label}</span>
      {children}
      {hint && <span className="text-xs text-zinc-500 dark:text-zinc-400">{hint}</span>}
    </label>
  );
}
