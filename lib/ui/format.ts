const credits = new Intl.NumberFormat("en-US");

/** 12345 → "12,345". */
export const formatCredits = (n: number) => credits.format(n);

/** A USDC decimal string or atomic bigint as "1.00 USDC" (always 2+ decimals). */
export function formatUsdcText(value: string | bigint): string {
  const text = typeof value === "bigint" ? (Number(value) / 1e6).toFixed(2) : value;
  const [whole = "0", frac = ""] = text.split(".");
  const grouped = Number(whole).toLocaleString("en-US");
  return `${grouped}.${frac.padEnd(2, "0")} USDC`;
}

export const shortAddress = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;

export const formatDate = (iso: string) =>
  new Date(iso).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short" });
