import { finished, type Readable, Transform, type TransformCallback } from "node:stream";

export class BodyTooLargeError extends Error {
  override name = "BodyTooLargeError";
}

/**
 * The caller's upload on its way to the origin, counted as it streams and cut at `limit`.
 * It also tells, when a call fails, whose side stalled or broke: the caller's (gone, or
 * too slow to send) or the origin's (not reading).
 */
export class BodyMeter extends Transform {
  bytes = 0;
  tooLarge = false;
  /** The caller hung up or its stream broke before the body ended. */
  callerGone = false;
  /** The whole body arrived from the caller. */
  complete = false;
  /** The origin is connected and reading it (undici starts reading after the connect). */
  reachedOrigin = false;

  constructor(
    source: Readable,
    private readonly limit: number,
  ) {
    super();
    this.once("resume", () => {
      this.reachedOrigin = true;
    });
    finished(source, (err) => {
      if (!err) return;
      this.callerGone = true;
      this.destroy(err);
    });
    source.pipe(this);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      this.tooLarge = true;
      done(new BodyTooLargeError(`The body exceeds ${this.limit} bytes.`));
      return;
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.complete = true;
    done();
  }

  /** At a deadline: still waiting on the caller's bytes, with nothing queued for the origin. */
  get callerStalled(): boolean {
    return !this.complete && this.readableLength === 0;
  }
}
