import { and, desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { balances, type CreditCorrection, creditCorrections, ledgerEntries } from "@/db/schema";
import { ApiError } from "@/lib/http/errors";
import { credit } from "@/lib/ledger";
import { findByKey } from "@/lib/ledger/find-by-key";
import { checksumWallet, parseWallet } from "@/lib/wallet";
import { ownEndpoint } from "./endpoints";

export type CorrectionKind = "grant" | "refund";

export const correctionSchema = z
  .object({
    wallet: z.string(),
    credits: z
      .number()
      .int("must be a whole number")
      .positive("must be positive")
      .max(1_000_000_000, "is too large"),
    reason: z.string().trim().min(1, "must say why").max(500, "is too long"),
    idempotencyKey: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,128}$/, "must be 1-128 of A-Z a-z 0-9 _ -")
      .optional(),
  })
  .strict();

export type CorrectionInput = z.infer<typeof correctionSchema>;

export interface Actor {
  address: string;
  via: "session" | "api_key";
}

// A grant is a `grant` entry; a refund gives consumed credits back as an `adjust` entry.
const LEDGER_KIND = { grant: "grant", refund: "adjust" } as const;

/**
 * Grants credits to a wallet, or refunds credits it consumed (never more than it consumed
 * net of earlier refunds), with the provider's reason on the buyer's ledger and an audit row
 * (who, how, why) in the same transaction. With an idempotencyKey a retry answers the first
 * result (`replayed`) and changes nothing.
 */
export async function correctCredits(
  db: Db,
  actor: Actor,
  slug: string,
  kind: CorrectionKind,
  input: CorrectionInput,
): Promise<{ correction: CorrectionView; replayed: boolean }> {
  const endpoint = await ownEndpoint(db, actor.address, slug);
  const account = { endpointId: endpoint.id, wallet: parseWallet(input.wallet, "wallet") };
  const credits = BigInt(input.credits);
  const key = input.idempotencyKey && `provider:${input.idempotencyKey}`;
  return db.transaction(async (tx) => {
    // One correction at a time per account, so the refund cap holds under concurrency.
    await tx.execute(
      sql`select pg_advisory_xact_lock(hashtext('credit-correction'), hashtext(${`${account.endpointId}:${account.wallet}`}))`,
    );
    const prior = key && (await findByKey(tx, account, LEDGER_KIND[kind], key));
    if (prior)
      return { correction: await correctionOf(tx, prior.id, prior.balanceAfter), replayed: true };
    if (kind === "refund") await refuseBeyondConsumed(tx, account, credits);
    const applied = await credit(tx, {
      ...account,
      credits,
      kind: LEDGER_KIND[kind],
      reference: `${kind === "grant" ? "Grant" : "Refund"}: ${input.reason}`.slice(0, 200),
      idempotencyKey: key,
    });
    await tx.insert(creditCorrections).values({
      entryId: applied.entryId,
      ...account,
      kind,
      credits,
      reason: input.reason,
      actor: actor.address,
      via: actor.via,
    });
    return {
      correction: await correctionOf(tx, applied.entryId, applied.balance),
      replayed: false,
    };
  });
}

async function refuseBeyondConsumed(
  tx: Db,
  account: { endpointId: number; wallet: string },
  credits: bigint,
): Promise<void> {
  const [row] = await tx
    .select({ consumed: balances.consumed })
    .from(balances)
    .where(and(eq(balances.endpointId, account.endpointId), eq(balances.wallet, account.wallet)));
  const consumed = row?.consumed ?? 0n;
  if (credits > consumed) {
    throw new ApiError(
      "refund_exceeds_consumed",
      `This wallet has consumed ${consumed} credits on this endpoint (net of refunds); a refund cannot give back more.`,
    );
  }
}

export interface CorrectionView {
  entryId: string;
  kind: CorrectionKind;
  wallet: string;
  credits: number;
  reason: string;
  actor: string;
  via: "session" | "api_key";
  /** The wallet's balance right after it. */
  balance: number;
  createdAt: string;
}

async function correctionOf(tx: Db, entryId: bigint, balance: bigint): Promise<CorrectionView> {
  const [row] = await tx
    .select()
    .from(creditCorrections)
    .where(eq(creditCorrections.entryId, entryId));
  if (!row) throw new Error(`no audit row for ledger entry ${entryId}`);
  return view(row, balance);
}

function view(row: CreditCorrection, balance: bigint): CorrectionView {
  return {
    entryId: row.entryId.toString(),
    kind: row.kind,
    wallet: checksumWallet(row.wallet),
    credits: Number(row.credits),
    reason: row.reason,
    actor: checksumWallet(row.actor),
    via: row.via,
    balance: Number(balance),
    createdAt: row.createdAt.toISOString(),
  };
}

/** The endpoint's grants or refunds, newest first (at most 100). */
export async function listCorrections(
  db: Db,
  owner: string,
  slug: string,
  kind: CorrectionKind,
): Promise<CorrectionView[]> {
  const endpoint = await ownEndpoint(db, owner, slug);
  const rows = await db
    .select({ correction: creditCorrections, balance: ledgerEntries.balanceAfter })
    .from(creditCorrections)
    .innerJoin(ledgerEntries, eq(ledgerEntries.id, creditCorrections.entryId))
    .where(and(eq(creditCorrections.endpointId, endpoint.id), eq(creditCorrections.kind, kind)))
    .orderBy(desc(creditCorrections.entryId))
    .limit(100);
  return rows.map((r) => view(r.correction, r.balance));
}
