import { describe, expect, it } from "vitest";
import { Breaker, BreakerOpenError, isConnectionFailure } from "./breaker";

/** The shape of a postgres.js server error, wrapped the way Drizzle wraps it. */
const serverError = (code: string) =>
  Object.assign(new Error("Failed query"), { cause: Object.assign(new Error(code), { code }) });

describe("isConnectionFailure", () => {
  it.each([
    ["ECONNREFUSED", "refused"],
    ["CONNECTION_CLOSED", "lost mid-query"],
    ["57P01", "admin shutdown (a primary being stopped)"],
    ["25006", "read-only transaction: the host was demoted to a standby"],
  ])("%s (%s) means the ledger is unreachable", (code) => {
    expect(isConnectionFailure(serverError(code))).toBe(true);
  });

  it.each(["23505", "40001", "22003"])("%s is a failed query, not an outage", (code) => {
    expect(isConnectionFailure(serverError(code))).toBe(false);
  });
});

describe("Breaker", () => {
  it("opens on a write refused by a demoted primary, so callers hear 503 at once", async () => {
    const breaker = new Breaker(60_000);
    await expect(breaker.run(() => Promise.reject(serverError("25006")))).rejects.toThrow();
    let ran = false;
    await expect(breaker.run(async () => (ran = true))).rejects.toBeInstanceOf(BreakerOpenError);
    expect(ran).toBe(false);
  });
});
