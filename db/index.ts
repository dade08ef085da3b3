export { type Database, type DatabaseTarget, type Db, openDatabase, rowsOf } from "./client";
export * as schema from "./schema";
