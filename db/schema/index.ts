export * from "./auth";
export * from "./corrections";
export * from "./endpoints";
export * from "./gateway";
export * from "./ledger";
export * from "./payments";
export * from "./rate-limits";
export * from "./usage";
