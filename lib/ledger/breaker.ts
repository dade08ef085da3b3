import { sqlState } from "./sql-util";

// Driver and server codes that mean "the database cannot be reached", not "this query
// failed": refused/reset sockets, postgres.js's connection errors, admin shutdown, overload,
// and a write refused as read-only (25006): the host is a standby now, not the primary.
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "25006",
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
]);

export function isConnectionFailure(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && CONNECTION_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  const state = sqlState(err);
  return state !== undefined && CONNECTION_CODES.has(state);
}

/**
 * Fails fast while the database is unreachable. Without it every caller would wait out the
 * driver's reconnect backoff (seconds) before hearing 503. It only refuses to START work;
 * an operation already sent is never abandoned, so it cannot charge without serving.
 */
export class Breaker {
  private openUntil = 0;

  constructor(private readonly coolDownMs = 1_000) {}

  get open(): boolean {
    return Date.now() < this.openUntil;
  }

  async run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.open) throw new BreakerOpenError();
    try {
      return await operation();
    } catch (err) {
      if (isConnectionFailure(err)) this.openUntil = Date.now() + this.coolDownMs;
      throw err;
    }
  }
}

export class BreakerOpenError extends Error {
  override name = "BreakerOpenError";
  constructor() {
    super("the database was unreachable moments ago");
  }
}
