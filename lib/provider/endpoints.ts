import { randomBytes } from "node:crypto";
import { and, asc, count, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { creditPacks, type Endpoint, endpoints } from "@/db/schema";
import type { AppContext } from "@/lib/app/context";
import { ApiError } from "@/lib/http/errors";
import { sqlState, UNIQUE_VIOLATION } from "@/lib/ledger/sql-util";
import { validateOriginUrl } from "./origin-url";
import type { CreateEndpointInput, PackInput, UpdateEndpointInput } from "./schemas";
import { type EndpointView, endpointView } from "./view";

/** A fresh origin key: what the gateway sends the provider's origin as X-API-Key. */
function newOriginKey(): string {
  return `xc_ok_${randomBytes(24).toString("base64url")}`;
}

function packRows(endpointId: number, packs: PackInput[]) {
  const used = new Set<string>();
  return packs.map((p, position) => {
    const base =
      p.id ??
      (p.name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "") ||
        "pack");
    let id = base.slice(0, 63);
    for (let n = 2; used.has(id); n++) id = `${base.slice(0, 58)}-${n}`;
    used.add(id);
    return {
      endpointId,
      id,
      name: p.name,
      credits: BigInt(p.credits),
      priceAtomic: p.price,
      position,
    };
  });
}

function defaultPackId(rows: { id: string; name: string }[], wanted: string | null | undefined) {
  if (wanted === undefined || wanted === null) return null;
  const match = rows.find((r) => r.id === wanted || r.name === wanted);
  if (!match)
    throw new ApiError("invalid_field", `Field "defaultPack" names no pack ("${wanted}").`);
  return match.id;
}

/** Creates an endpoint and its packs for `owner`; the origin key is returned only here. */
export async function createProviderEndpoint(
  ctx: AppContext,
  owner: string,
  input: CreateEndpointInput,
) {
  const originUrl = await validateOriginUrl(input.originUrl, ctx);
  const originKey = newOriginKey();
  try {
    const endpoint = await ctx.db.transaction(async (tx) => {
      await refuseOverCap(tx, owner, ctx.config.maxEndpointsPerProvider);
      const [row] = await tx
        .insert(endpoints)
        .values({
          slug: input.slug,
          name: input.name,
          description: input.description ?? "",
          ownerAddress: owner,
          originUrl,
          originKeyEnc: ctx.box.seal(originKey),
          payTo: (input.payTo ?? owner).toLowerCase(),
          creditsPerCall: BigInt(input.creditsPerCall),
          walletAuth: input.walletAuth ?? "header",
          refundOnError: input.refundOnError ?? true,
          metered: input.metered ?? false,
          timeoutMs: input.timeoutMs ?? 30_000,
          maxBodyBytes: input.maxBodyBytes ?? null,
          apiSchema: input.apiSchema ?? null,
        })
        .returning();
      if (!row) throw new Error("endpoint insert returned nothing");
      const rows = packRows(row.id, input.packs);
      await tx.insert(creditPacks).values(rows);
      const defaultPack = defaultPackId(rows, input.defaultPack);
      if (defaultPack)
        await tx
          .update(endpoints)
          .set({ defaultPackId: defaultPack })
          .where(eq(endpoints.id, row.id));
      return { ...row, defaultPackId: defaultPack };
    });
    return { endpoint: await viewOf(ctx.db, endpoint, ctx), originKey };
  } catch (err) {
    if (sqlState(err) === UNIQUE_VIOLATION) {
      throw new ApiError("conflict", `The slug "${input.slug}" is taken.`);
    }
    throw err;
  }
}

/** Advisory-lock namespace: one provider's endpoint creations, one at a time. */
const CREATE_LOCK = 7_402_002;

/**
 * Refuses a provider's next endpoint once it has `max` live ones. Holds a transaction lock
 * on the owner first, so concurrent creations are counted one after another.
 */
async function refuseOverCap(tx: Db, owner: string, max: number): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${CREATE_LOCK}, hashtext(${owner}))`);
  const [row] = await tx
    .select({ live: count() })
    .from(endpoints)
    .where(and(eq(endpoints.ownerAddress, owner), isNull(endpoints.deletedAt)));
  if ((row?.live ?? 0) >= max) {
    throw new ApiError(
      "endpoint_limit_reached",
      `A provider may have at most ${max} endpoints; delete one first.`,
    );
  }
}

/** The owner's endpoint, or a 404 that does not reveal whether someone else owns it. */
export async function ownEndpoint(db: Db, owner: string, slug: string): Promise<Endpoint> {
  const [row] = await db
    .select()
    .from(endpoints)
    .where(
      and(eq(endpoints.slug, slug), eq(endpoints.ownerAddress, owner), isNull(endpoints.deletedAt)),
    )
    .limit(1);
  if (!row) throw new ApiError("endpoint_not_found", `You have no endpoint named "${slug}".`);
  return row;
}

export async function listProviderEndpoints(
  ctx: AppContext,
  owner: string,
): Promise<EndpointView[]> {
  const rows = await ctx.db
    .select()
    .from(endpoints)
    .where(and(eq(endpoints.ownerAddress, owner), isNull(endpoints.deletedAt)))
    .orderBy(asc(endpoints.createdAt));
  return Promise.all(rows.map((r) => viewOf(ctx.db, r, ctx)));
}

export async function getProviderEndpoint(ctx: AppContext, owner: string, slug: string) {
  return viewOf(ctx.db, await ownEndpoint(ctx.db, owner, slug), ctx);
}

export async function updateProviderEndpoint(
  ctx: AppContext,
  owner: string,
  slug: string,
  input: UpdateEndpointInput,
): Promise<EndpointView> {
  const current = await ownEndpoint(ctx.db, owner, slug);
  const originUrl =
    input.originUrl === undefined ? undefined : await validateOriginUrl(input.originUrl, ctx);
  const updated = await ctx.db.transaction(async (tx) => {
    let defaultPack = input.defaultPack === undefined ? current.defaultPackId : input.defaultPack;
    if (input.packs) {
      const rows = packRows(current.id, input.packs);
      await tx.delete(creditPacks).where(eq(creditPacks.endpointId, current.id));
      await tx.insert(creditPacks).values(rows);
      defaultPack = rows.some((r) => r.id === defaultPack)
        ? defaultPack
        : defaultPackId(rows, input.defaultPack);
    } else if (input.defaultPack !== undefined) {
      const rows = await tx
        .select()
        .from(creditPacks)
        .where(eq(creditPacks.endpointId, current.id));
      defaultPack = defaultPackId(rows, input.defaultPack);
    }
    const [row] = await tx
      .update(endpoints)
      .set({
        name: input.name,
        description: input.description,
        originUrl,
        payTo: input.payTo?.toLowerCase(),
        creditsPerCall:
          input.creditsPerCall === undefined ? undefined : BigInt(input.creditsPerCall),
        walletAuth: input.walletAuth,
        refundOnError: input.refundOnError,
        metered: input.metered,
        timeoutMs: input.timeoutMs,
        maxBodyBytes: input.maxBodyBytes,
        apiSchema: input.apiSchema,
        defaultPackId: defaultPack,
        updatedAt: sql`now()`,
      })
      .where(eq(endpoints.id, current.id))
      .returning();
    return row ?? current;
  });
  return viewOf(ctx.db, updated, ctx);
}

/** Pause, resume, soft delete, or a new origin key: small changes with one shape. */
export async function setEndpointState(
  ctx: AppContext,
  owner: string,
  slug: string,
  change: "pause" | "resume" | "delete" | "rotate-key",
): Promise<{ endpoint: EndpointView; originKey?: string }> {
  const current = await ownEndpoint(ctx.db, owner, slug);
  const originKey = change === "rotate-key" ? newOriginKey() : undefined;
  const [row] = await ctx.db
    .update(endpoints)
    .set({
      paused:
        change === "pause" || change === "delete" ? true : change === "resume" ? false : undefined,
      deletedAt: change === "delete" ? sql`now()` : undefined,
      originKeyEnc: originKey ? ctx.box.seal(originKey) : undefined,
      updatedAt: sql`now()`,
    })
    .where(eq(endpoints.id, current.id))
    .returning();
  return { endpoint: await viewOf(ctx.db, row ?? current, ctx), originKey };
}

async function viewOf(db: Db, row: Endpoint, ctx: AppContext): Promise<EndpointView> {
  const packs = await db
    .select()
    .from(creditPacks)
    .where(eq(creditPacks.endpointId, row.id))
    .orderBy(asc(creditPacks.position));
  return endpointView(row, packs, ctx.config.publicUrl);
}
