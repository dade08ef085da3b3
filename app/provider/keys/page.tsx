import { ApiKeys } from "@/components/api-keys";
import { SignInGate } from "@/components/sign-in-gate";

export default function ApiKeysPage() {
  return (
    <div className="flex flex-col gap-6">
      <h1 className="text-2xl font-semibold tracking-tight">API keys</h1>
      <p className="max-w-prose text-sm text-zinc-600 dark:text-zinc-400">
        For your servers: call the provider API and <code>POST /api/credits/consume</code> with{" "}
        <code>Authorization: Bearer KEY</code>. Keys are stored hashed and shown once.
      </p>
      <SignInGate why="manage your API keys">
        <ApiKeys />
      </SignInGate>
    </div>
  );
}
