import type { Readable } from "node:stream";
import type { AppContext } from "@/lib/app/context";
import type { RefundDue } from "@/lib/ledger/refund-keeper";
import { log } from "@/lib/log/logger";
import { CREDITS_USED, type MeterReport } from "./forward";

/** The credits a metered call used, from the origin's report; undefined when absent or bad. */
export function creditsUsed(value: string | string[] | undefined, max: bigint): bigint | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (text === undefined || !/^\d{1,13}$/.test(text)) return undefined;
  const used = BigInt(text);
  return used <= max ? used : undefined;
}

export interface MeteredCharge {
  /** What the call costs in the end, as far as is known when the headers go out. */
  charged: bigint;
  /** The balance after the unused credits came back, when they did. */
  balance?: bigint;
  /** The unused credits are kept on disk until the ledger takes them. */
  pending?: boolean;
  /** Settles when whatever the meter gives back is in the ledger (or kept). */
  settled: Promise<unknown>;
}

/**
 * A metered call reserved its maximum (`due.credits`) before the origin was called. The
 * origin reports what it used in `x-credits-used` (0 ≤ N ≤ max): the rest goes back at once.
 * A streamed answer may promise the report as a trailer: the call is charged the maximum
 * until the body ends, then settled. A missing or invalid report charges the maximum and is
 * logged for the provider to fix.
 */
export async function settleMeteredCall(
  ctx: AppContext,
  due: RefundDue,
  report: MeterReport,
  body: Readable | null,
  slug: string,
): Promise<MeteredCharge> {
  const max = due.credits;
  const used = creditsUsed(report.header, max);
  if (used !== undefined) {
    if (used === max) return { charged: max, settled: Promise.resolve() };
    const settled = ctx.refunds.returnUnused({ ...due, credits: max - used });
    const back = await settled;
    return back.refunded
      ? { charged: used, balance: back.balance, settled }
      : { charged: used, pending: true, settled };
  }
  if (report.trailerPromised && body) {
    const settled = new Promise<unknown>((resolve) => {
      body.once("end", () => {
        const fromTrailer = creditsUsed(report.trailers[CREDITS_USED], max);
        if (fromTrailer === undefined) {
          invalidReport(slug, report.trailers[CREDITS_USED]);
          resolve(undefined);
        } else if (fromTrailer < max) {
          resolve(ctx.refunds.returnUnused({ ...due, credits: max - fromTrailer }));
        } else resolve(undefined);
      });
      body.once("close", () => resolve(undefined));
    });
    return { charged: max, settled };
  }
  invalidReport(slug, report.header);
  return { charged: max, settled: Promise.resolve() };
}

function invalidReport(slug: string, value: unknown): void {
  log().warn(
    { endpoint: slug, reported: value === undefined ? null : String(value).slice(0, 40) },
    `metered endpoint: the origin reported ${value === undefined ? "no" : "an invalid"} ${CREDITS_USED}; charged the maximum`,
  );
}
