import { AsyncLocalStorage } from "node:async_hooks";
import { type EIP1193RequestFn, type Hash, type Hex, keccak256, type Transport } from "viem";

/** What one operation (a verify, a settle) did on the chain's RPC, as seen from our side. */
export interface RpcObservation {
  /** Hashes of every signed transaction handed to the node, whether or not it answered. */
  broadcast: Hash[];
  /** A transaction was sent for the node to sign (eth_sendTransaction): its hash is unknown. */
  broadcastUnhashed: boolean;
  /** Calls that failed for a reason other than the chain's own verdict (transport, node). */
  failures: { method: string; detail: string }[];
}

const current = new AsyncLocalStorage<RpcObservation>();

/**
 * Runs `operation` and reports every RPC call it made through an `observed` transport.
 * This is how a settlement's outcome is classified without guessing from error text:
 * nothing broadcast means nothing can have moved; an outage is not the buyer's fault.
 */
export async function observeRpc<T>(
  operation: () => Promise<T>,
): Promise<{ outcome: PromiseSettledResult<T>; seen: RpcObservation }> {
  const seen: RpcObservation = { broadcast: [], broadcastUnhashed: false, failures: [] };
  const outcome = await current.run(seen, () =>
    operation().then(
      (value) => ({ status: "fulfilled" as const, value }),
      (reason: unknown) => ({ status: "rejected" as const, reason }),
    ),
  );
  return { outcome, seen };
}

/** Wraps a viem transport so that `observeRpc` sees its broadcasts and failures. */
export function observed(inner: Transport): Transport {
  return ((options) => {
    const transport = inner(options);
    const request = (async (args: { method: string; params?: unknown }) => {
      const seen = current.getStore();
      if (seen) noteBroadcast(seen, args);
      try {
        return await transport.request(args as Parameters<EIP1193RequestFn>[0]);
      } catch (err) {
        if (seen && !isChainVerdict(err)) {
          seen.failures.push({ method: args.method, detail: rpcErrorText(err) });
        }
        throw err;
      }
    }) as EIP1193RequestFn;
    return { ...transport, request };
  }) as Transport;
}

function noteBroadcast(seen: RpcObservation, args: { method: string; params?: unknown }) {
  if (args.method === "eth_sendRawTransaction") {
    const raw = (args.params as unknown[] | undefined)?.[0];
    if (typeof raw === "string" && raw.startsWith("0x")) {
      const hash = keccak256(raw as Hex);
      if (!seen.broadcast.includes(hash)) seen.broadcast.push(hash);
    } else seen.broadcastUnhashed = true;
  } else if (args.method === "eth_sendTransaction") {
    seen.broadcastUnhashed = true;
  }
}

/**
 * Whether an RPC error is the chain's answer about the call itself (a revert) rather than
 * a failure to get an answer (refused or dropped connection, 5xx, node-internal error).
 */
function isChainVerdict(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e && depth < 6; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (code === 3 || (typeof message === "string" && /execution reverted/i.test(message)))
      return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** The first line of a viem error and the node's own words (`details`), for the log. */
function rpcErrorText(err: unknown): string {
  const { shortMessage, message, details } = err as {
    shortMessage?: string;
    message?: string;
    details?: string;
  };
  return [shortMessage ?? message?.split("\n")[0], details].filter(Boolean).join(": ");
}
