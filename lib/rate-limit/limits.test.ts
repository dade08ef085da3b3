import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Database, openDatabase } from "@/db";
import { ApiError } from "@/lib/http/errors";
import { openTestDatabase } from "@/test/helpers/databases";
import { type RateLimitSettings, RateLimits } from "./limits";

const settings = (over: Partial<RateLimitSettings> = {}): RateLimitSettings => ({
  windowSeconds: 60,
  nonces: 3,
  signIns: 3,
  faucet: 3,
  purchases: 3,
  paymentAttempts: 3,
  ...over,
});

/** Resolves to "ok" or the ApiError code and Retry-After it was refused with. */
async function outcome(attempt: Promise<void>): Promise<string> {
  try {
    await attempt;
    return "ok";
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return `${err.code} ${err.headers?.["retry-after"]}`;
  }
}

describe.each(inject("dbTargets"))("rate limits on %s", (target) => {
  let database: Database & { url?: string };
  let key = 0;
  const fresh = () => `client-${++key}`;

  beforeAll(async () => {
    database = await openTestDatabase(target);
  });
  afterAll(() => database?.close());

  it("refuses past the limit with 429 rate_limited and the seconds left", async () => {
    const limits = new RateLimits(database.db, settings());
    const k = fresh();
    for (let i = 0; i < 3; i++) expect(await outcome(limits.take("nonces", k))).toBe("ok");
    const refused = await outcome(limits.take("nonces", k));
    expect(refused).toMatch(/^rate_limited (\d+)$/);
    const seconds = Number(refused.split(" ")[1]);
    expect(seconds).toBeGreaterThanOrEqual(59);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(new ApiError("rate_limited", "x").status).toBe(429);
    // Other keys and other limits are untouched.
    expect(await outcome(limits.take("nonces", fresh()))).toBe("ok");
    expect(await outcome(limits.take("faucet", k))).toBe("ok");
  });

  it("a new window starts afresh", async () => {
    const limits = new RateLimits(database.db, settings({ windowSeconds: 1 }));
    const k = fresh();
    for (let i = 0; i < 3; i++) await limits.take("signIns", k);
    expect(await outcome(limits.take("signIns", k))).toMatch(/^rate_limited 1$/);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await outcome(limits.take("signIns", k))).toBe("ok");
  });

  it("check never spends; spend never refuses", async () => {
    const limits = new RateLimits(database.db, settings());
    const k = fresh();
    for (let i = 0; i < 5; i++) await limits.check("purchases", k);
    for (let i = 0; i < 3; i++) await limits.spend("purchases", k);
    await limits.spend("purchases", k);
    expect(await outcome(limits.check("purchases", k))).toMatch(/^rate_limited/);
  });

  it("a limit of 0 is off", async () => {
    const limits = new RateLimits(database.db, settings({ faucet: 0 }));
    const k = fresh();
    for (let i = 0; i < 10; i++) expect(await outcome(limits.take("faucet", k))).toBe("ok");
  });

  it("concurrent takes never let more through than the limit", async () => {
    const limits = new RateLimits(database.db, settings());
    const k = fresh();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => outcome(limits.take("paymentAttempts", k))),
    );
    expect(results.filter((r) => r === "ok")).toHaveLength(3);
  });
});

// Several processes (a cluster's workers, or instances behind one load balancer) each open
// their own pool on the same PostgreSQL database.
describe.runIf(inject("dbTargets").includes("postgres"))("rate limits across processes", () => {
  let database: Database & { url?: string };
  beforeAll(async () => {
    database = await openTestDatabase("postgres");
  });
  afterAll(() => database?.close());

  it("share one count, each with its own connections", async () => {
    const other = await openDatabase({ kind: "postgres", url: database.url ?? "", poolMax: 4 });
    try {
      const a = new RateLimits(database.db, settings());
      const b = new RateLimits(other.db, settings());
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => outcome((i % 2 ? a : b).take("nonces", "shared"))),
      );
      expect(results.filter((r) => r === "ok")).toHaveLength(3);
      expect(await outcome(a.take("nonces", "shared"))).toMatch(/^rate_limited/);
      expect(await outcome(b.take("nonces", "shared"))).toMatch(/^rate_limited/);
    } finally {
      await other.close();
    }
  });
});
