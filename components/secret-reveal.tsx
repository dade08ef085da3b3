import { Notice } from "@/components/ui";
import { CopyButton } from "./copy-button";

/** A secret the server shows once (origin key, API key): copy it now, it will not return. */
export function SecretReveal({ label, secret }: { label: string; secret: string }) {
  return (
    <Notice tone="warn">
      <p className="font-medium">{label} — copy it now; it is shown only once.</p>
      <div className="mt-2 flex flex-wrap items-center gap-2">
        <code
          data-testid="secret"
          className="break-all rounded bg-white/60 px-2 py-1 text-xs dark:bg-black/30"
        >
          {secret}
        </code>
        <CopyButton text={secret} />
      </div>
    </Notice>
  );
}
