"use client";

import { Button, inputClass } from "@/components/ui";

export interface PackDraft {
  id?: string;
  name: string;
  credits: string;
  price: string;
}

/** Rows of name / credits / price; the provider adds and removes packs. */
export function PacksEditor({
  packs,
  onChange,
}: {
  packs: PackDraft[];
  onChange: (p: PackDraft[]) => void;
}) {
  const set = (i: number, patch: Partial<PackDraft>) =>
    onChange(packs.map((p, j) => (j === i ? { ...p, ...patch } : p)));
  return (
    <fieldset className="flex flex-col gap-2">
      <legend className="mb-1 text-sm font-medium">Packs</legend>
      {packs.map((p, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity until saved
        <div key={i} className="grid grid-cols-[1fr_6rem_6rem_auto] items-end gap-2">
          <label className="text-xs">
            Name
            <input
              className={inputClass}
              value={p.name}
              aria-label={`Pack ${i + 1} name`}
              onChange={(e) => set(i, { name: e.target.value })}
            />
          </label>
          <label className="text-xs">
            Credits
            <input
              className={inputClass}
              inputMode="numeric"
              value={p.credits}
              aria-label={`Pack ${i + 1} credits`}
              onChange={(e) => set(i, { credits: e.target.value })}
            />
          </label>
          <label className="text-xs">
            Price (USDC)
            <input
              className={inputClass}
              inputMode="decimal"
              value={p.price}
              aria-label={`Pack ${i + 1} price`}
              onChange={(e) => set(i, { price: e.target.value })}
            />
          </label>
          <Button
            variant="secondary"
            aria-label={`Remove pack ${i + 1}`}
            disabled={packs.length === 1}
            onClick={() => onChange(packs.filter((_, j) => j !== i))}
          >
            ✕
          </Button>
        </div>
      ))}
      <div>
        <Button
          variant="secondary"
          onClick={() => onChange([...packs, { name: "", credits: "", price: "" }])}
        >
          Add pack
        </Button>
      </div>
    </fieldset>
  );
}
