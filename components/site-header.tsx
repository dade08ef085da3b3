import Link from "next/link";
import { ConnectButton } from "./connect-button";
import { NetworkBanner } from "./network-banner";

export function SiteHeader() {
  return (
    <header className="border-b border-zinc-200 dark:border-zinc-800">
      <div className="mx-auto flex max-w-5xl flex-wrap items-center justify-between gap-3 px-4 py-3 sm:px-6">
        <nav aria-label="Main" className="flex flex-wrap items-center gap-4 text-sm">
          <Link href="/" className="text-base font-semibold">
            x402-credits
          </Link>
          <Link href="/" className="hover:underline">
            Catalog
          </Link>
          <Link href="/me" className="hover:underline">
            My credits
          </Link>
          <Link href="/provider" className="hover:underline">
            Provider
          </Link>
        </nav>
        <ConnectButton />
      </div>
      <NetworkBanner />
    </header>
  );
}
