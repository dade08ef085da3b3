export { getBalance, listBalances } from "./balances";
export { Breaker, BreakerOpenError, isConnectionFailure } from "./breaker";
export { checkLedger, type LedgerMismatch, type LedgerReport } from "./check";
export { credit } from "./credit";
export {
  type DebitItem,
  type DebitRunner,
  debit,
  debitBatch,
  drizzleRunner,
  preparedRunner,
  runDebits,
} from "./debit";
export { DebitBatcher } from "./debit-batcher";
export { refund } from "./refund";
export type * from "./types";
