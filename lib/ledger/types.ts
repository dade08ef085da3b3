import type { LedgerKind } from "@/db/schema";

/** One account: a wallet's credits on one endpoint. Wallet is lower-case hex. */
export interface Account {
  endpointId: number;
  wallet: string;
}

export interface CreditParams extends Account {
  credits: bigint;
  kind: Exclude<LedgerKind, "consume">;
  reference?: string;
  /** Makes the operation a no-op when repeated: unique per account and kind. */
  idempotencyKey?: string;
}

export interface Applied {
  ok: true;
  entryId: bigint;
  /** The balance right after this entry. */
  balance: bigint;
  /** True when an earlier operation with the same key is being reported again. */
  replayed: boolean;
}

export interface Refused {
  ok: false;
  /** The balance that was too low. */
  balance: bigint;
  keyReused?: undefined;
}

/** The idempotency key already paid for a different request: nothing was charged. */
export interface KeyReused {
  ok: false;
  keyReused: true;
  balance: bigint;
}

export type DebitResult = Applied | Refused | KeyReused;
