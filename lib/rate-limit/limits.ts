import { RateLimiterDrizzle, RateLimiterRes } from "rate-limiter-flexible";
import type { Db } from "@/db";
import { rateLimits } from "@/db/schema/rate-limits";
import { ApiError } from "@/lib/http/errors";

/** What is limited, each per window: the key is a client address, or a payer. */
export interface RateLimitSettings {
  windowSeconds: number;
  /** GET /api/auth/nonce, per client address. */
  nonces: number;
  /** POST /api/auth/verify and /api/auth/token together, per client address. */
  signIns: number;
  /** POST /api/dev/faucet, per client address. */
  faucet: number;
  /** Purchases whose payment verified, per payer (purchase URL and pay-and-call). */
  purchases: number;
  /** Requests carrying a payment, valid or not, per client address. */
  paymentAttempts: number;
}

export type LimitName = Exclude<keyof RateLimitSettings, "windowSeconds">;

const WHAT: Record<LimitName, string> = {
  nonces: "sign-in nonces",
  signIns: "sign-in attempts",
  faucet: "faucet requests",
  purchases: "purchases by this payer",
  paymentAttempts: "payment attempts",
};

/**
 * Fixed-window counters kept in the app's own database (rate-limiter-flexible's Drizzle
 * store: one atomic upsert per hit), so every process and every instance on the same
 * database shares them. A limit of 0 is off.
 */
export class RateLimits {
  private readonly limiters = new Map<LimitName, RateLimiterDrizzle>();

  constructor(
    db: Db,
    private readonly settings: RateLimitSettings,
  ) {
    for (const name of Object.keys(WHAT) as LimitName[]) {
      if (settings[name] <= 0) continue;
      this.limiters.set(
        name,
        new RateLimiterDrizzle({
          storeClient: db,
          schema: rateLimits,
          keyPrefix: name,
          points: settings[name],
          duration: settings.windowSeconds,
          // Expired rows are overwritten in place; the library's own sweep is a timer per
          // limiter that a short-lived process (tests, workers) would keep alive for nothing.
          clearExpiredByTimeout: false,
        }),
      );
    }
  }

  /** Spends one of `name` for `key`; over the limit → 429 rate_limited with Retry-After. */
  async take(name: LimitName, key: string): Promise<void> {
    const limiter = this.limiters.get(name);
    if (!limiter) return;
    try {
      await limiter.consume(key);
    } catch (err) {
      if (err instanceof RateLimiterRes) this.refuse(name, err.msBeforeNext);
      throw err;
    }
  }

  /** Refuses like `take` when nothing of `name` is left for `key`, without spending. */
  async check(name: LimitName, key: string): Promise<void> {
    const limiter = this.limiters.get(name);
    const used = limiter && (await limiter.get(key));
    if (used && used.consumedPoints >= this.settings[name]) this.refuse(name, used.msBeforeNext);
  }

  /** Spends one of `name` for `key` after the fact, never refusing. */
  async spend(name: LimitName, key: string): Promise<void> {
    await this.limiters.get(name)?.penalty(key);
  }

  private refuse(name: LimitName, msBeforeNext: number): never {
    const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
    throw new ApiError(
      "rate_limited",
      `Too many ${WHAT[name]} (at most ${this.settings[name]} per ${this.settings.windowSeconds} s); retry in ${seconds} s.`,
      undefined,
      { "retry-after": String(seconds) },
    );
  }
}
