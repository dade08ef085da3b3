import { randomBytes } from "node:crypto";
import type { Db } from "@/db";
import { endpoints } from "@/db/schema";

/** A random lower-case wallet, as the ledger stores it. */
export function randomWallet(): string {
  return `0x${randomBytes(20).toString("hex")}`;
}

export async function insertEndpoint(
  db: Db,
  overrides: Partial<typeof endpoints.$inferInsert> = {},
) {
  const slug = overrides.slug ?? `ep-${randomBytes(4).toString("hex")}`;
  const [row] = await db
    .insert(endpoints)
    .values({
      slug,
      name: slug,
      ownerAddress: randomWallet(),
      originUrl: "http://127.0.0.1:9/origin",
      payTo: randomWallet(),
      creditsPerCall: 1n,
      ...overrides,
    })
    .returning();
  if (!row) throw new Error("endpoint insert returned nothing");
  return row;
}
