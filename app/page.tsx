export default function HomePage() {
  return (
    <main className="mx-auto max-w-3xl px-6 py-16">
      <h1 className="text-3xl font-semibold tracking-tight">x402-credits</h1>
      <p className="mt-4 text-zinc-600 dark:text-zinc-400">
        Prepaid credit packs for APIs. Agents spend credits with one header; packs are paid with
        x402 (USDC).
      </p>
      <pre className="mt-8 overflow-x-auto rounded-lg bg-zinc-100 p-4 text-sm dark:bg-zinc-900">
        {"curl -H 'x-wallet-address: 0x…' '/api/credits/balance?endpoint=demo'"}
      </pre>
    </main>
  );
}
