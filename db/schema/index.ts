export * from "./endpoints";
export * from "./ledger";
export * from "./payments";
