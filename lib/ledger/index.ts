export { getBalance, listBalances } from "./balances";
export { checkLedger, type LedgerMismatch, type LedgerReport } from "./check";
export { credit } from "./credit";
export { debit } from "./debit";
export { refund } from "./refund";
export type * from "./types";
