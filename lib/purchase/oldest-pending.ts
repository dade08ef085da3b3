import { eq, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { payments } from "@/db/schema";

/**
 * Seconds since the oldest pending payment was recorded, by the database's clock (0: none
 * pending). One read of the partial index on pending payments.
 */
export async function oldestPendingAgeSeconds(db: Db): Promise<number> {
  const [row] = await db
    .select({
      age: sql<string | null>`extract(epoch from now() - min(${payments.createdAt}))`,
    })
    .from(payments)
    .where(eq(payments.status, "pending"));
  return Math.max(0, Number(row?.age ?? 0));
}
