"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Button, inputClass, Notice, Skeleton } from "@/components/ui";
import { api } from "@/lib/ui/api";
import { formatDate } from "@/lib/ui/format";
import { SecretReveal } from "./secret-reveal";

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/** List, create (secret shown once) and revoke provider API keys. */
export function ApiKeys() {
  const queryClient = useQueryClient();
  const keys = useQuery({
    queryKey: ["provider", "keys"],
    queryFn: () => api<{ keys: ApiKey[] }>("/api/provider/keys").then((r) => r.keys),
  });
  const [name, setName] = useState("");
  const [secret, setSecret] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["provider", "keys"] });
  const create = useMutation({
    mutationFn: () =>
      api<{ key: string }>("/api/provider/keys", { method: "POST", json: { name } }),
    onSuccess: (r) => {
      setSecret(r.key);
      setName("");
      void refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api(`/api/provider/keys?id=${id}`, { method: "DELETE" }),
    onSuccess: refresh,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) create.mutate();
  };
  return (
    <div className="flex flex-col gap-4">
      <form onSubmit={submit} className="flex max-w-md items-end gap-2">
        <label className="flex flex-1 flex-col gap-1 text-sm">
          <span className="font-medium">Key name</span>
          <input
            className={inputClass}
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="production server"
          />
        </label>
        <Button type="submit" disabled={!name.trim() || create.isPending}>
          Create key
        </Button>
      </form>
      {create.error && <Notice tone="error">{create.error.message}</Notice>}
      {secret && <SecretReveal label="API key" secret={secret} />}
      {keys.isLoading ? (
        <Skeleton className="h-16 w-full" />
      ) : !keys.data?.length ? (
        <p className="text-sm">No API keys.</p>
      ) : (
        <ul className="divide-y divide-zinc-200 rounded-md border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800">
          {keys.data.map((k) => (
            <li
              key={k.id}
              className="flex flex-wrap items-center justify-between gap-2 p-3 text-sm"
            >
              <span>
                <strong>{k.name}</strong> <code className="text-xs">{k.prefix}…</code>
                <span className="block text-xs text-zinc-500 dark:text-zinc-400">
                  Created {formatDate(k.createdAt)} ·{" "}
                  {k.lastUsedAt ? `last used ${formatDate(k.lastUsedAt)}` : "never used"}
                </span>
              </span>
              <Button
                variant="danger"
                aria-label={`Revoke ${k.name}`}
                onClick={() =>
                  window.confirm(`Revoke "${k.name}"? Servers using it stop working.`) &&
                  revoke.mutate(k.id)
                }
              >
                Revoke
              </Button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
