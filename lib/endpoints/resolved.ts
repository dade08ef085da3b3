import { and, asc, eq, isNull } from "drizzle-orm";
import type { Db } from "@/db";
import { creditPacks, type Endpoint, endpoints } from "@/db/schema";
import type { SecretBox } from "@/lib/crypto/secret-box";
import { type ApiSchema, apiSchemaSchema, type CompiledRoute, compileRoutes } from "./api-schema";

export interface Pack {
  id: string;
  name: string;
  credits: bigint;
  /** USDC atomic units (6 decimals). */
  price: bigint;
}

/** An endpoint with everything the gateway needs precomputed: packs, routes, origin key. */
export interface ResolvedEndpoint {
  id: number;
  slug: string;
  name: string;
  description: string;
  originUrl: string;
  /** originUrl split once for the dispatcher: its origin, and the path prefix calls go under. */
  originTarget: { origin: string; pathPrefix: string };
  originKey: string | null;
  payTo: string;
  creditsPerCall: bigint;
  walletAuth: Endpoint["walletAuth"];
  refundOnError: boolean;
  /** creditsPerCall is the most a call may cost; the origin reports what it used. */
  metered: boolean;
  timeoutMs: number;
  /** The endpoint's own upload limit, bytes; null: the operator's default. */
  maxBodyBytes: number | null;
  paused: boolean;
  packs: Pack[];
  /** The pack the 402 offers: the provider's choice, else the cheapest. */
  defaultPack: Pack | undefined;
  apiSchema: ApiSchema | null;
  routes: CompiledRoute[];
}

export async function loadResolvedEndpoint(
  db: Db,
  slug: string,
  box: SecretBox,
): Promise<ResolvedEndpoint | null> {
  const [row] = await db
    .select()
    .from(endpoints)
    .where(and(eq(endpoints.slug, slug), isNull(endpoints.deletedAt)))
    .limit(1);
  if (!row) return null;
  const packRows = await db
    .select()
    .from(creditPacks)
    .where(eq(creditPacks.endpointId, row.id))
    .orderBy(asc(creditPacks.position), asc(creditPacks.priceAtomic));
  const packs = packRows.map((p) => ({
    id: p.id,
    name: p.name,
    credits: p.credits,
    price: p.priceAtomic,
  }));
  const parsed = row.apiSchema === null ? null : apiSchemaSchema.safeParse(row.apiSchema);
  const apiSchema = parsed?.success ? parsed.data : null;
  const cheapest = [...packs].sort((a, b) =>
    a.price < b.price ? -1 : a.price > b.price ? 1 : 0,
  )[0];
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    originUrl: row.originUrl.replace(/\/+$/, ""),
    originTarget: splitOrigin(row.originUrl.replace(/\/+$/, "")),
    originKey: row.originKeyEnc ? box.open(row.originKeyEnc) : null,
    payTo: row.payTo,
    creditsPerCall: row.creditsPerCall,
    walletAuth: row.walletAuth,
    refundOnError: row.refundOnError,
    metered: row.metered,
    timeoutMs: row.timeoutMs,
    maxBodyBytes: row.maxBodyBytes,
    paused: row.paused,
    packs,
    defaultPack: packs.find((p) => p.id === row.defaultPackId) ?? cheapest,
    apiSchema,
    routes: compileRoutes(apiSchema),
  };
}

/**
 * The dispatcher is given an origin and a path, never a URL to parse again (undici's
 * `request(url)` would re-encode `'` and `"` in the query and cut it at `#`). Stored origin
 * URLs are in WHATWG form (lib/provider/origin-url); anything else, by its parsed path.
 */
function splitOrigin(originUrl: string): { origin: string; pathPrefix: string } {
  const url = new URL(originUrl);
  const pathPrefix = originUrl.startsWith(url.origin)
    ? originUrl.slice(url.origin.length)
    : url.pathname.replace(/\/$/, "");
  return { origin: url.origin, pathPrefix };
}
