import type { Metadata, Viewport } from "next";
import { headers } from "next/headers";
import type { ReactNode } from "react";
import { cookieToInitialState } from "wagmi";
import { Providers } from "@/components/providers";
import { SiteHeader } from "@/components/site-header";
import { getAppContext } from "@/lib/app/context";
import { requestNonce } from "@/lib/http/security-headers";
import { chainInfo } from "@/lib/ui/server-chain-info";
import { makeWagmiConfig } from "@/lib/wagmi";
import "./globals.css";

export const metadata: Metadata = {
  title: "x402-credits",
  description: "Prepaid credit packs for APIs, paid with x402.",
};
export const viewport: Viewport = { colorScheme: "light dark" };

// Sets the `dark` class before first paint from prefers-color-scheme, so there is no flash.
const themeScript = `(()=>{const m=matchMedia("(prefers-color-scheme: dark)");const s=()=>document.documentElement.classList.toggle("dark",m.matches);s();m.addEventListener("change",s)})()`;

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Reading the request first makes every page dynamic, so `next build` never opens the
  // app context (database, devnet) while prerendering.
  const request = await headers();
  const cookie = request.get("cookie");
  const chain = chainInfo(await getAppContext());
  const initialState = cookieToInitialState(makeWagmiConfig(chain), cookie);
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        {/* biome-ignore lint/security/noDangerouslySetInnerHtml: static theme script */}
        <script nonce={requestNonce(request)} dangerouslySetInnerHTML={{ __html: themeScript }} />
      </head>
      <body className="min-h-screen bg-white text-zinc-900 antialiased dark:bg-zinc-950 dark:text-zinc-100">
        <Providers chain={chain} initialState={initialState}>
          <SiteHeader />
          <main className="mx-auto max-w-5xl px-4 py-8 sm:px-6">{children}</main>
        </Providers>
      </body>
    </html>
  );
}
