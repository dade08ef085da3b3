import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { creditPacks, endpoints } from "@/db/schema";
import type { AppContext } from "@/lib/app/context";
import type { Config } from "@/lib/config";
import type { ResolvedEndpoint } from "@/lib/endpoints/resolved";
import { credit } from "@/lib/ledger";
import { DEMO_BUYER, DEMO_OWNER_WHEN_EXPOSED, DEMO_PROVIDER, DEMO_SLUG } from "./accounts";

/** Routes of the demo API, with their costs, as a provider would declare them. */
export const DEMO_API_SCHEMA = {
  version: 1,
  routes: [
    { path: "/echo", method: "GET", summary: "Echoes the request back.", credits: 1 },
    {
      path: "/analyze",
      method: "POST",
      summary: "Counts words and guesses the mood of a text.",
      credits: 5,
      parameters: [],
      requestBody: {
        contentType: "application/json",
        fields: [{ name: "text", type: "string", required: true }],
      },
    },
  ],
};

/** Where the demo endpoint reaches the demo API: this server, on loopback. */
function demoOriginUrl(port: number): string {
  return `http://127.0.0.1:${port}/api/demo`;
}

/**
 * The seeded demo endpoint, still pointing at this server's own demo API: the one origin
 * on loopback the gateway connects to when private origins are off. It cannot be re-pointed
 * by anyone then (see seedDemo), and a changed origin loses the exemption.
 */
export function isSeededDemo(endpoint: ResolvedEndpoint, config: Config): boolean {
  return (
    config.seedDemo &&
    endpoint.slug === DEMO_SLUG &&
    endpoint.originUrl === demoOriginUrl(config.port)
  );
}

/**
 * Makes sure the demo endpoint exists, points at the demo API this server serves, and that
 * the demo buyer holds its welcome credits. Safe to run at every start. Its owner is the
 * demo provider, a public anvil key, only while the server is reachable from this machine
 * alone; otherwise no one, so that key cannot re-point or pause it.
 */
export async function seedDemo(
  { db, box, config }: Pick<AppContext, "db" | "box" | "config">,
  selfUrl: string,
): Promise<void> {
  const originUrl = `${selfUrl}/api/demo`;
  const ownerAddress = config.reachableFromNetwork
    ? DEMO_OWNER_WHEN_EXPOSED
    : DEMO_PROVIDER.toLowerCase();
  const [endpoint] = await db
    .insert(endpoints)
    .values({
      slug: DEMO_SLUG,
      name: "Demo text API",
      description: "A tiny API served by this server, to try credits end to end.",
      ownerAddress,
      originUrl,
      originKeyEnc: box.seal(randomBytes(24).toString("base64url")),
      payTo: DEMO_PROVIDER.toLowerCase(),
      creditsPerCall: 1n,
      defaultPackId: "starter",
      apiSchema: DEMO_API_SCHEMA,
    })
    .onConflictDoUpdate({
      target: endpoints.slug,
      set: { originUrl, ownerAddress, updatedAt: sql`now()` },
    })
    .returning({ id: endpoints.id });
  if (!endpoint) throw new Error("demo endpoint upsert returned nothing");
  await db
    .insert(creditPacks)
    .values([
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
        id: "pro",
        name: "Pro",
        credits: 1_000n,
        priceAtomic: 8_000_000n,
        position: 1,
      },
    ])
    .onConflictDoNothing();
  await credit(db, {
    endpointId: endpoint.id,
    wallet: DEMO_BUYER.toLowerCase(),
    credits: 100n,
    kind: "grant",
    reference: "demo welcome credits",
    idempotencyKey: "demo-seed",
  });
}
