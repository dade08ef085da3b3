import type { Db } from "@/db";
import { type DebitItem, debitBatch } from "./debit";
import type { Account, DebitResult } from "./types";

interface Waiting {
  item: DebitItem;
  resolve(result: DebitResult): void;
  reject(err: unknown): void;
}

interface AccountQueue {
  account: Account;
  waiting: Waiting[];
}

/**
 * Group commit for debits. An idle account's debit goes to the database at once; while it
 * is in flight, later debits of the same account queue up and go together as one
 * `debitBatch` (one round trip, arrival order kept). This turns the row-lock convoy of many
 * concurrent single-row updates into one statement per round trip. Exactness across
 * processes does not depend on it: the database function holds the row lock.
 */
export class DebitBatcher {
  private readonly queues = new Map<string, AccountQueue>();

  constructor(
    private readonly db: Db,
    private readonly maxBatch = 512,
  ) {}

  debit(account: Account, item: DebitItem): Promise<DebitResult> {
    return new Promise((resolve, reject) => {
      const key = `${account.endpointId}:${account.wallet}`;
      const queue = this.queues.get(key);
      if (queue) {
        queue.waiting.push({ item, resolve, reject });
        return;
      }
      const fresh: AccountQueue = { account, waiting: [{ item, resolve, reject }] };
      this.queues.set(key, fresh);
      void this.drain(key, fresh);
    });
  }

  private async drain(key: string, queue: AccountQueue): Promise<void> {
    while (queue.waiting.length > 0) {
      const batch = queue.waiting.splice(0, this.maxBatch);
      try {
        const results = await debitBatch(
          this.db,
          queue.account,
          batch.map((w) => w.item),
        );
        for (const [i, w] of batch.entries()) w.resolve(results[i] as DebitResult);
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    this.queues.delete(key);
  }
}
