"use client";

import { useEffect, useState } from "react";
import { useConnect, useConnection, useConnectors, useDisconnect } from "wagmi";
import { Button } from "@/components/ui";
import { useSession } from "@/hooks/use-session";
import { shortAddress } from "@/lib/ui/format";

/** Connect (injected wallets found by EIP-6963, or the devnet dev wallet), or show who. */
export function ConnectButton() {
  const { address, status } = useConnection();
  const connectors = useConnectors();
  const connect = useConnect();
  const { disconnect } = useDisconnect();
  const [open, setOpen] = useState(false);
  const { signedIn, signOut } = useSession();
  // Escape closes the menu, as people expect of a menu.
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && setOpen(false);
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open]);
  if (status === "connected" && address) {
    return (
      <div className="flex items-center gap-2">
        <span className="font-mono text-sm" data-testid="connected-address" title={address}>
          {shortAddress(address)}
        </span>
        {signedIn && (
          <Button variant="secondary" onClick={() => signOut.mutate()}>
            Sign out
          </Button>
        )}
        <Button variant="secondary" onClick={() => disconnect()}>
          Disconnect
        </Button>
      </div>
    );
  }
  // The generic "Injected" entry is redundant once EIP-6963 announced real wallets.
  const announced = connectors.filter((c) => c.id !== "injected");
  const list = announced.some((c) => c.type === "injected" && c.id !== "devWallet")
    ? announced
    : connectors;
  return (
    <div className="relative">
      <Button onClick={() => setOpen((o) => !o)} aria-expanded={open} aria-haspopup="menu">
        {status === "connecting" || status === "reconnecting" ? "Connecting…" : "Connect wallet"}
      </Button>
      {open && (
        <div
          role="menu"
          className="absolute right-0 z-20 mt-2 w-64 rounded-md border border-zinc-200 bg-white p-1 shadow-lg dark:border-zinc-800 dark:bg-zinc-900"
        >
          {list.map((c) => (
            <button
              key={c.uid}
              type="button"
              role="menuitem"
              className="block w-full rounded px-3 py-2 text-left text-sm hover:bg-zinc-100 focus-visible:bg-zinc-100 dark:hover:bg-zinc-800 dark:focus-visible:bg-zinc-800"
              onClick={() => {
                setOpen(false);
                connect.mutate({ connector: c });
              }}
            >
              {c.name}
            </button>
          ))}
        </div>
      )}
      {connect.error && (
        <p role="alert" className="absolute right-0 mt-1 w-64 text-xs text-red-600">
          {connect.error.message.split("\n")[0]}
        </p>
      )}
    </div>
  );
}
