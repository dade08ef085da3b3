import Link from "next/link";
import { ProviderEndpointList } from "@/components/provider-endpoint-list";
import { SignInGate } from "@/components/sign-in-gate";

export default function ProviderPage() {
  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-semibold tracking-tight">Your endpoints</h1>
        <div className="flex gap-3 text-sm">
          <Link
            className="rounded-md bg-indigo-600 px-3 py-1.5 font-medium text-white hover:bg-indigo-500"
            href="/provider/new"
          >
            New endpoint
          </Link>
          <Link
            className="rounded-md border border-zinc-300 px-3 py-1.5 dark:border-zinc-700"
            href="/provider/keys"
          >
            API keys
          </Link>
        </div>
      </div>
      <SignInGate why="manage your endpoints">
        <ProviderEndpointList />
      </SignInGate>
    </div>
  );
}
