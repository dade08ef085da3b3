"use client";

import { type KeyboardEvent, useEffect, useId, useRef, useState } from "react";
import { type Connector, useConnect, useConnection, useConnectors } from "wagmi";
import { useChainInfo } from "@/components/providers";
import { Button } from "@/components/ui";

/** What a person needs to tell the entries apart; wagmi's own names are terse or generic. */
function entryOf(c: Connector, devnet: boolean): { label: string; hint: string } {
  if (c.type === "coinbaseWallet") {
    const hint = "Extension, app or smart wallet";
    return { label: "Coinbase Wallet", hint: devnet ? `${hint}, for Base` : hint };
  }
  if (c.type === "walletConnect") {
    return { label: "WalletConnect", hint: "Scan a QR code with a phone wallet" };
  }
  if (c.id === "devWallet") return { label: c.name, hint: "Test key in this page, no extension" };
  if (c.id === "injected")
    return { label: "Browser wallet", hint: "The extension in this browser" };
  return { label: c.name, hint: "Browser extension" };
}

/**
 * The wallet picker: a menu button (WAI-ARIA pattern). Opening focuses the first entry;
 * arrows, Home and End move, Escape closes back to the button, Tab or a click outside closes.
 */
// Wallets this browser already has first (wagmi appends them after the configured ones).
const rank = (c: Connector) =>
  c.id === "devWallet" ? 4 : ({ injected: 0, coinbaseWallet: 2, walletConnect: 3 }[c.type] ?? 1);

const items = (root: HTMLElement | null) => [
  ...(root?.querySelectorAll<HTMLElement>("[role=menuitem]") ?? []),
];

export function ConnectMenu() {
  const { status } = useConnection();
  const connectors = useConnectors();
  const connect = useConnect();
  const { devnet } = useChainInfo();
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const id = useId();

  useEffect(() => {
    if (!open) return;
    items(root.current)[0]?.focus();
    const outside = (e: PointerEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("pointerdown", outside);
    return () => document.removeEventListener("pointerdown", outside);
  }, [open]);

  const onMenuKey = (e: KeyboardEvent) => {
    const list = items(root.current);
    const at = list.indexOf(document.activeElement as HTMLElement);
    const next = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: list.length - 1 }[e.key];
    if (next !== undefined) {
      e.preventDefault();
      list.at(next % list.length)?.focus();
    } else if (e.key === "Escape") {
      setOpen(false);
      button.current?.focus();
    } else if (e.key === "Tab") setOpen(false);
  };

  // The generic "Injected" entry is redundant once EIP-6963 announced real wallets.
  const announced = connectors.filter((c) => c.id !== "injected");
  const list = (
    announced.some((c) => c.type === "injected" && c.id !== "devWallet") ? announced : connectors
  ).toSorted((a, b) => rank(a) - rank(b));
  return (
    <div className="relative" ref={root}>
      <Button
        ref={button}
        onClick={() => setOpen((o) => !o)}
        onKeyDown={(e) => {
          if (e.key !== "ArrowDown") return;
          e.preventDefault();
          setOpen(true);
        }}
        aria-expanded={open}
        aria-haspopup="menu"
        aria-controls={open ? `${id}-menu` : undefined}
      >
        {status === "connecting" || status === "reconnecting" ? "Connecting…" : "Connect wallet"}
      </Button>
      {open && (
        <div
          id={`${id}-menu`}
          role="menu"
          aria-label="Wallets"
          onKeyDown={onMenuKey}
          className="absolute left-0 z-20 mt-2 w-72 max-w-[calc(100vw-2rem)] rounded-md border border-zinc-200 bg-white p-1 shadow-lg sm:right-0 sm:left-auto dark:border-zinc-800 dark:bg-zinc-900"
        >
          {list.map((c) => {
            const { label, hint } = entryOf(c, devnet);
            return (
              <button
                key={c.uid}
                type="button"
                role="menuitem"
                aria-labelledby={`${id}-${c.uid}-label`}
                aria-describedby={`${id}-${c.uid}-hint`}
                className="block w-full rounded px-3 py-2 text-left text-sm outline-none hover:bg-zinc-100 focus-visible:bg-zinc-100 focus-visible:ring-2 focus-visible:ring-indigo-500 dark:hover:bg-zinc-800 dark:focus-visible:bg-zinc-800"
                onClick={() => {
                  setOpen(false);
                  connect.mutate({ connector: c });
                }}
              >
                <span id={`${id}-${c.uid}-label`} className="block font-medium">
                  {label}
                </span>
                <span
                  id={`${id}-${c.uid}-hint`}
                  className="block text-xs text-zinc-600 dark:text-zinc-400"
                >
                  {hint}
                </span>
              </button>
            );
          })}
        </div>
      )}
      {connect.error && !open && (
        <p
          role="alert"
          className="absolute left-0 z-10 mt-1 w-72 max-w-[calc(100vw-2rem)] text-xs text-red-600 sm:right-0 sm:left-auto dark:text-red-400"
        >
          {connect.error.name === "UserRejectedRequestError"
            ? "Connection cancelled in the wallet."
            : connect.error.message.split("\n")[0]}
        </p>
      )}
    </div>
  );
}
