import { creditPacks, type endpoints } from "@/db/schema";
import type { AppContext } from "@/lib/app/context";
import { credit } from "@/lib/ledger";
import { insertEndpoint, randomWallet } from "./fixtures";

/** An endpoint with two packs and a sealed origin key, as the provider API would create. */
export async function createEndpoint(
  ctx: Pick<AppContext, "db" | "box">,
  originUrl: string,
  overrides: Partial<typeof endpoints.$inferInsert> = {},
) {
  const originKey = `ok_${randomWallet().slice(2, 26)}`;
  const endpoint = await insertEndpoint(ctx.db, {
    originUrl,
    originKeyEnc: ctx.box.seal(originKey),
    ...overrides,
  });
  await ctx.db.insert(creditPacks).values([
    {
      endpointId: endpoint.id,
      id: "starter",
      name: "Starter",
      credits: 100n,
      priceAtomic: 1_000_000n,
      position: 0,
    },
    {
      endpointId: endpoint.id,
      id: "bulk",
      name: "Bulk",
      credits: 1_000n,
      priceAtomic: 8_500_000n,
      position: 1,
    },
  ]);
  return { ...endpoint, originKey };
}

/** A fresh wallet holding `credits` on the endpoint. */
export async function fundedWallet(
  ctx: Pick<AppContext, "db">,
  endpointId: number,
  credits: bigint,
) {
  const wallet = randomWallet();
  if (credits > 0n) await credit(ctx.db, { endpointId, wallet, credits, kind: "grant" });
  return wallet;
}
