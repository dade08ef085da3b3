import { eq, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { gatewayResponses, ledgerEntries } from "@/db/schema";

/** Bodies up to this size are kept for replay; larger ones are forwarded again. */
export const REPLAY_BODY_LIMIT = 64 * 1024;

export type ReplayLookup =
  | { kind: "stored"; status: number; headers: Record<string, string>; body: Buffer | null }
  | { kind: "in_flight" }
  | { kind: "not_stored" };

/**
 * What a retried Idempotency-Key should get: the stored answer; "in flight" while the
 * first call can still be running (younger than the origin timeout plus a margin); else
 * "not stored" (its body was too large to keep, or the process died mid-call).
 */
export async function lookupReplay(
  db: Db,
  entryId: bigint,
  timeoutMs: number,
): Promise<ReplayLookup> {
  const [row] = await db
    .select({
      status: gatewayResponses.status,
      headers: gatewayResponses.headers,
      body: gatewayResponses.bodyBase64,
      ageMs: sql<number>`extract(epoch from (now() - ${ledgerEntries.createdAt})) * 1000`,
    })
    .from(ledgerEntries)
    .leftJoin(gatewayResponses, eq(gatewayResponses.entryId, ledgerEntries.id))
    .where(eq(ledgerEntries.id, entryId))
    .limit(1);
  if (row?.status != null && row.headers) {
    return {
      kind: "stored",
      status: row.status,
      headers: row.headers,
      body: row.body === null ? null : Buffer.from(row.body, "base64"),
    };
  }
  if (row && Number(row.ageMs) < timeoutMs + 10_000) return { kind: "in_flight" };
  return { kind: "not_stored" };
}

export async function storeReplay(
  db: Db,
  entryId: bigint,
  status: number,
  headers: Headers,
  body: Buffer | null,
): Promise<void> {
  await db
    .insert(gatewayResponses)
    .values({
      entryId,
      status,
      headers: Object.fromEntries(headers),
      bodyBase64: body?.toString("base64") ?? null,
    })
    .onConflictDoNothing();
}

/**
 * Passes a body through unchanged while keeping a copy of up to `limit` bytes; `done` gets
 * the copy (or null when the body was larger) once the stream has ended, and the caller's
 * body ends only after `done` settles: a client that retries the moment it has read the
 * answer finds it stored.
 */
export function captureBody(
  body: ReadableStream<Uint8Array>,
  limit: number,
  done: (copy: Buffer | null) => Promise<void>,
): ReadableStream<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.byteLength;
        if (size <= limit) chunks.push(chunk);
        controller.enqueue(chunk);
      },
      async flush() {
        await done(size <= limit ? Buffer.concat(chunks) : null);
      },
    }),
  );
}
