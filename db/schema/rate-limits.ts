import { integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** Rate-limit counters (rate-limiter-flexible's Drizzle store): one row per key and window. */
export const rateLimits = pgTable("rate_limits", {
  key: text("key").primaryKey(),
  points: integer("points").notNull(),
  expire: timestamp("expire", { withTimezone: true }),
});
