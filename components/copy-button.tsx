"use client";

import { useState } from "react";
import { Button } from "@/components/ui";

/** Copies `text`; says so only when the clipboard took it (it can refuse, e.g. over http). */
export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  return (
    <Button
      variant="secondary"
      onClick={async () => {
        const ok = await navigator.clipboard?.writeText(text).then(
          () => true,
          () => false,
        );
        setState(ok ? "copied" : "failed");
        setTimeout(() => setState("idle"), ok ? 1500 : 4000);
      }}
    >
      {{ idle: label, copied: "Copied", failed: "Copy failed: select the text" }[state]}
    </Button>
  );
}
