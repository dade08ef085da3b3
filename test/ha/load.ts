import { decodePaymentSignatureHeader } from "@x402/core/http";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { Agent, request } from "undici";
import type { LocalAccount } from "viem";

/** How one call ended, as its client saw it. */
export interface CallRecord {
  id: string;
  started: number;
  ended: number;
  /** HTTP status, or how the call failed without one. */
  status: number | "timeout" | "network";
  /** The JSON error code of a non-2xx answer. */
  code?: string;
}

export interface PurchaseRecord extends CallRecord {
  payer: string;
  /** The EIP-3009 nonce of the authorization sent, if the client got as far as paying. */
  nonce?: string;
  paymentId?: string;
}

const CLIENT_TIMEOUT_MS = 30_000;

/**
 * Gateway calls from `concurrency` clients until stopped, round robin over `wallets`. Every
 * call has its own path (`/c/ID`), so the origin's log and the ledger's `consume` entries
 * can be matched to the answer the client got, call by call.
 */
export function gatewayLoad(opts: {
  url: string;
  slug: string;
  wallets: string[];
  concurrency: number;
  pauseMs: number;
}) {
  const records: CallRecord[] = [];
  const agent = new Agent({ connections: opts.concurrency, keepAliveTimeout: 10_000 });
  let running = true;
  let n = 0;
  const worker = async (w: number) => {
    for (let i = 0; running; i++) {
      const id = `g${w}-${i}`;
      const wallet = opts.wallets[n++ % opts.wallets.length] as string;
      const started = Date.now();
      const record: CallRecord = { id, started, ended: 0, status: "network" };
      try {
        const res = await request(`${opts.url}/e/${opts.slug}/c/${id}`, {
          headers: { "x-wallet-address": wallet },
          dispatcher: agent,
          headersTimeout: CLIENT_TIMEOUT_MS,
          bodyTimeout: CLIENT_TIMEOUT_MS,
        });
        record.status = res.statusCode;
        const text = await res.body.text();
        if (res.statusCode >= 300) record.code = errorCode(text);
      } catch (err) {
        record.status = isTimeout(err) ? "timeout" : "network";
      }
      record.ended = Date.now();
      records.push(record);
      await sleep(opts.pauseMs);
    }
  };
  const done = Promise.all(Array.from({ length: opts.concurrency }, (_, w) => worker(w)));
  return {
    records,
    async stop() {
      running = false;
      await done;
      await agent.close();
    },
  };
}

/**
 * Pack purchases with the official x402 client (@x402/fetch), one buyer per client, until
 * stopped. The payment header the client signs is read on its way out, so each answer can
 * be matched to its authorization on chain.
 */
export function purchaseLoad(opts: {
  purchaseUrl: string;
  buyers: LocalAccount[];
  network: string;
  asset: string;
  pauseMs: number;
}) {
  const records: PurchaseRecord[] = [];
  let running = true;
  const worker = async (buyer: LocalAccount, w: number) => {
    const client = new x402Client().register(
      opts.network as `${string}:${string}`,
      new ExactEvmScheme(buyer),
    );
    client.setSpendControls({
      allowedAssets: [{ network: opts.network as `${string}:${string}`, asset: opts.asset }],
    });
    for (let i = 0; running; i++) {
      const record: PurchaseRecord = {
        id: `p${w}-${i}`,
        payer: buyer.address.toLowerCase(),
        started: Date.now(),
        ended: 0,
        status: "network",
      };
      const watched: typeof fetch = (input, init) => {
        const header = new Headers(
          init?.headers ?? (input instanceof Request ? input.headers : {}),
        );
        const signature = header.get("payment-signature");
        if (signature) {
          const payload = decodePaymentSignatureHeader(signature).payload as {
            authorization?: { nonce?: string };
          };
          record.nonce = payload.authorization?.nonce?.toLowerCase();
        }
        return fetch(input, { ...init, signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS) });
      };
      try {
        const res = await wrapFetchWithPayment(watched, client)(opts.purchaseUrl, {
          method: "POST",
        });
        record.status = res.status;
        const body = (await res.json().catch(() => ({}))) as { paymentId?: string };
        record.paymentId = body.paymentId;
        if (res.status >= 300) record.code = codeOf(body);
      } catch (err) {
        record.status = isTimeout(err) ? "timeout" : "network";
      }
      record.ended = Date.now();
      records.push(record);
      await sleep(opts.pauseMs);
    }
  };
  const done = Promise.all(opts.buyers.map((b, w) => worker(b, w)));
  return {
    records,
    async stop() {
      running = false;
      await done;
    },
  };
}

function errorCode(text: string): string | undefined {
  try {
    return codeOf(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** `{"error": {"code"}}`, or an x402 402's `{"error": "reason"}`. */
function codeOf(body: unknown): string | undefined {
  const error = (body as { error?: unknown } | null)?.error;
  return typeof error === "string" ? error : (error as { code?: string } | undefined)?.code;
}

function isTimeout(err: unknown): boolean {
  const name = (err as { name?: string; code?: string }).name ?? "";
  const code = (err as { code?: string }).code ?? "";
  return /timeout/i.test(name) || /TIMEOUT/.test(code);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
