"use client";

import { useState } from "react";
import { useConnection } from "wagmi";
import { Button, ScrollX } from "@/components/ui";
import { CopyButton } from "./copy-button";

/** curl / Python / TypeScript calls, prefilled with this server and the connected wallet. */
export function CodeSnippets({
  slug,
  publicUrl,
  path,
}: {
  slug: string;
  publicUrl: string;
  path: string;
}) {
  const { address } = useConnection();
  const wallet = address ?? "0xYOUR_WALLET";
  const url = `${publicUrl}/e/${slug}${path}`;
  const snippets = {
    curl: `curl -H 'x-wallet-address: ${wallet}' '${url}'`,
    Python: `import requests\n\nr = requests.get(\n    "${url}",\n    headers={"x-wallet-address": "${wallet}"},\n)\nprint(r.status_code, r.headers.get("x-credits-remaining"), r.text)`,
    TypeScript: `const res = await fetch("${url}", {\n  headers: { "x-wallet-address": "${wallet}" },\n});\nconsole.log(res.status, res.headers.get("x-credits-remaining"), await res.text());`,
  };
  const [tab, setTab] = useState<keyof typeof snippets>("curl");
  return (
    <div>
      <div role="tablist" aria-label="Language" className="mb-2 flex gap-2">
        {(Object.keys(snippets) as (keyof typeof snippets)[]).map((k) => (
          <Button
            key={k}
            role="tab"
            aria-selected={tab === k}
            variant={tab === k ? "primary" : "secondary"}
            onClick={() => setTab(k)}
          >
            {k}
          </Button>
        ))}
      </div>
      <div className="relative">
        <ScrollX label={`${tab} snippet`}>
          <pre className="w-max min-w-full rounded-md bg-zinc-100 p-3 pr-20 text-xs dark:bg-zinc-900">
            {snippets[tab]}
          </pre>
        </ScrollX>
        <div className="absolute right-2 top-2">
          <CopyButton text={snippets[tab]} />
        </div>
      </div>
    </div>
  );
}
