const USDC_DECIMALS = 6;
const UNIT = 10n ** BigInt(USDC_DECIMALS);

/** USDC atomic units as a decimal string with at least 2 decimals: 1000000n → "1.00". */
export function formatUsdc(atomic: bigint): string {
  const negative = atomic < 0n;
  const abs = negative ? -atomic : atomic;
  const whole = abs / UNIT;
  const fraction = (abs % UNIT).toString().padStart(USDC_DECIMALS, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}.${fraction.padEnd(2, "0")}`;
}

/** A decimal USDC string ("1.5", "0.01") as atomic units; null when not a valid amount. */
export function parseUsdc(text: string): bigint | null {
  const match = /^(\d{1,12})(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (!match) return null;
  return BigInt(match[1] as string) * UNIT + BigInt((match[2] ?? "").padEnd(USDC_DECIMALS, "0"));
}
