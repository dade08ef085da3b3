import type { Readable } from "node:stream";
import { ApiError } from "@/lib/http/errors";

/** One call's hold on its wallet's share of the gateway; released once, whatever happens. */
export class CallSlot {
  private released = false;
  private held = false;

  constructor(private readonly free: () => void) {}

  /** Keeps the slot until the origin's answer has streamed out (or was abandoned). */
  holdUntilClosed(stream: Readable): void {
    this.held = true;
    if (stream.closed) this.release();
    else stream.once("close", () => this.release());
  }

  /** The call is answered: release now unless a stream still holds the slot. */
  settle(): void {
    if (!this.held) this.release();
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.free();
  }
}

/**
 * How many gateway calls each wallet has in flight in this process, capped: one wallet's
 * slow uploads or slow downloads cannot occupy the gateway, and the cap costs a Map lookup
 * (no store round trip on the hot path). Written by hand: the rate limiters on npm count
 * requests per window, not calls in flight.
 */
export class WalletSlots {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly cap: number) {}

  /** A slot for `wallet`, or 429 rate_limited (nothing charged yet) when it has none left. */
  acquire(wallet: string): CallSlot {
    const now = this.inFlight.get(wallet) ?? 0;
    if (now >= this.cap) {
      throw new ApiError(
        "rate_limited",
        `This wallet already has ${this.cap} calls in progress; retry when one finishes.`,
        undefined,
        { "retry-after": "1" },
      );
    }
    this.inFlight.set(wallet, now + 1);
    return new CallSlot(() => {
      const left = (this.inFlight.get(wallet) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(wallet);
      else this.inFlight.set(wallet, left);
    });
  }
}
