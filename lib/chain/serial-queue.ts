const queues = new Map<string, Promise<unknown>>();

/**
 * Runs `task` after every earlier task with the same key has finished (successfully or
 * not). Transactions from one account go through one queue: two sent at once would read
 * the same nonce, and the node would reject one of them ("nonce too low").
 */
export async function serially<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(task);
  queues.set(key, next);
  try {
    return await next;
  } finally {
    if (queues.get(key) === next) queues.delete(key);
  }
}
