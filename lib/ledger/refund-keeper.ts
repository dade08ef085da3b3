import { createHash } from "node:crypto";
import { mkdir, open, readdir, readFile, unlink } from "node:fs/promises";
import path from "node:path";
import type { Db } from "@/db";
import { log as logger } from "@/lib/log/logger";
import { isConnectionFailure } from "./breaker";
import { findConsumeByDigest } from "./find-by-key";
import { ForeignEntryError, refund, returnUnused } from "./refund";
import type { Account } from "./types";

/** A consume entry to give back: its id, and what it took from whom (checked on apply). */
export interface RefundDue extends Account {
  entryId: bigint;
  credits: bigint;
}

/**
 * A debit whose commit is unknown (the connection broke while it was in flight): refunded
 * if it turns out to have committed, found by the request digest it was sent with.
 */
export interface UncertainDebit extends Account {
  requestDigest: string;
  credits: bigint;
  /** When it was sent (ms since the epoch). */
  sentAt: number;
}

export type RefundOutcome =
  | { refunded: true; balance: bigint }
  /** The ledger is unreachable: the refund is kept on disk and applied when it is back. */
  | { refunded: false; pending: true };

type GiveBack = Exclude<Kept, { kind: "uncertain" }>;

type Kept =
  | ({ kind: "entry" } & RefundDue)
  /** What a metered call reserved but did not use: `credits` is the part to give back. */
  | ({ kind: "unused" } & RefundDue)
  | ({ kind: "uncertain" } & UncertainDebit);

const RETRY_DELAYS_MS = [50, 250, 1_000];
// An uncertain debit not found this long after it was sent never committed: its statement
// cannot still be running (a debit holds one row lock for microseconds).
const UNCERTAIN_SETTLES_MS = 120_000;
const KEPT_NAME = /^(\d+|m-\d+|u-[A-Za-z0-9_-]+)$/;

/**
 * Refunds that are never lost. A refund is retried on a fresh connection (a pooled one the
 * server already closed fails once with 57P01); if the ledger stays unreachable, the refund
 * is written to disk (fsync'd, one file per entry) and applied by `drain` once it is back.
 * `refund()` is idempotent per entry, so a refund applied twice (two processes draining,
 * a crash between applying and deleting the file) still gives the credits back once.
 *
 * The directory is per database (entry ids are only unique within one, and DATA_DIR may be
 * shared by instances on different databases), and each kept refund names the account and
 * amount it gives back, so it is applied only to the very entry it was kept for.
 */
export class RefundKeeper {
  readonly dir: string;
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    dataDir: string,
    databaseIdentity: string,
    private readonly log: (message: string, fields: Record<string, unknown>) => void = (
      message,
      fields,
    ) => logger().error(fields, message),
  ) {
    const scope = createHash("sha256").update(databaseIdentity).digest("hex").slice(0, 16);
    this.dir = path.join(dataDir, "pending-refunds", scope);
  }

  refund(due: RefundDue): Promise<RefundOutcome> {
    return this.giveBackOrKeep({ kind: "entry", ...due });
  }

  /** Gives back the unused part of a metered call's reservation; never lost either. */
  returnUnused(due: RefundDue): Promise<RefundOutcome> {
    return this.giveBackOrKeep({ kind: "unused", ...due });
  }

  private async giveBackOrKeep(kept: GiveBack): Promise<RefundOutcome> {
    for (let attempt = 0; ; attempt++) {
      try {
        return { refunded: true, balance: (await this.giveBack(kept)).balance };
      } catch (err) {
        const delay = RETRY_DELAYS_MS[attempt];
        if (!isConnectionFailure(err) || delay === undefined) {
          await this.keep(kept.kind === "entry" ? `${kept.entryId}` : `m-${kept.entryId}`, kept);
          this.log(
            `${kept.kind} refund of ledger entry ${kept.entryId} deferred: kept in ${this.dir}`,
            {
              err,
              entryId: kept.entryId.toString(),
            },
          );
          return { refunded: false, pending: true };
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** The live path and the drain apply a kept refund the same way. */
  private giveBack(kept: GiveBack) {
    return kept.kind === "entry"
      ? refund(this.db, kept.entryId, kept)
      : returnUnused(this.db, kept.entryId, kept, kept.credits);
  }

  /** Keeps a debit of unknown outcome, to be refunded if it committed. */
  async keepUncertain(debit: UncertainDebit): Promise<void> {
    await this.keep(`u-${debit.requestDigest}`, { kind: "uncertain", ...debit });
  }

  /** Applies every kept refund; a file goes only once its refund is in the ledger. */
  drain(): Promise<void> {
    this.draining ??= this.drainOnce().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  /** Drains now and every `intervalMs` until `stop`. */
  start(intervalMs = 5_000): void {
    void this.drain();
    this.timer = setInterval(() => void this.drain(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** How many refunds of known entries wait on disk (for tests and health). */
  async pendingCount(): Promise<number> {
    try {
      return (await readdir(this.dir)).filter((n) => /^\d+$/.test(n)).length;
    } catch {
      return 0;
    }
  }

  private async keep(name: string, kept: Kept): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const handle = await open(path.join(this.dir, name), "w", 0o600);
    try {
      await handle.writeFile(
        JSON.stringify(kept, (_, v) => (typeof v === "bigint" ? v.toString() : v)),
      );
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  private async drainOnce(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!KEPT_NAME.test(name)) continue;
      const file = path.join(this.dir, name);
      try {
        if (await this.apply(parseKept(await readFile(file, "utf8"))))
          await unlink(file).catch(() => {});
      } catch (err) {
        if (isConnectionFailure(err)) return;
        // Another database's entry (same DATA_DIR and identity): left for its own process.
        if (err instanceof ForeignEntryError) continue;
        this.log(`kept refund ${file} could not be applied`, { err, file });
      }
    }
  }

  /** True once the kept refund needs nothing more. */
  private async apply(kept: Kept): Promise<boolean> {
    if (kept.kind !== "uncertain") {
      await this.giveBack(kept);
      return true;
    }
    const entryId = await findConsumeByDigest(
      this.db,
      kept,
      kept.requestDigest,
      new Date(kept.sentAt - 60_000),
    );
    if (entryId === undefined) return Date.now() - kept.sentAt > UNCERTAIN_SETTLES_MS;
    await refund(this.db, entryId, kept);
    return true;
  }
}

function parseKept(text: string): Kept {
  const raw = JSON.parse(text) as Record<string, unknown>;
  const account = { endpointId: Number(raw.endpointId), wallet: String(raw.wallet) };
  const credits = BigInt(String(raw.credits));
  if (raw.kind === "unused")
    return { kind: "unused", ...account, credits, entryId: BigInt(String(raw.entryId)) };
  return raw.kind === "uncertain"
    ? {
        kind: "uncertain",
        ...account,
        credits,
        requestDigest: String(raw.requestDigest),
        sentAt: Number(raw.sentAt),
      }
    : { kind: "entry", ...account, credits, entryId: BigInt(String(raw.entryId)) };
}

/** Names the database a RefundKeeper serves, without its password. */
export function databaseIdentity(
  database: { kind: "pglite"; dir: string } | { kind: "postgres"; url: string },
): string {
  return database.kind === "pglite"
    ? `pglite:${database.dir}`
    : `postgres:${database.url.replace(/:\/\/([^:@/]*):[^@/]*@/, "://$1@")}`;
}
