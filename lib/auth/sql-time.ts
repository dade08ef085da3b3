import { type SQL, sql } from "drizzle-orm";

/** `now() + ms`, on the database clock: expiry is compared with `now()` there, too. */
export function nowPlus(ms: number): SQL<Date> {
  return sql<Date>`now() + ${`${Math.round(ms)} milliseconds`}::interval`;
}
