import { z } from "zod";
import { ApiError } from "@/lib/http/errors";
import { badCursor, parseQuery } from "@/lib/http/query";
import { type Bucket, bucketCount, MAX_BUCKETS } from "@/lib/provider/usage";

// What PostgreSQL and ISO 8601 both hold without a sign or a fifth year digit; JS dates
// reach 275760 years either way, which the database refuses with an error.
const FIRST = Date.UTC(1970, 0, 1);
const LAST = Date.UTC(10_000, 0, 1) - 1;

const date = z.string().transform((v, ctx) => {
  const d = /^\d{1,16}$/.test(v) ? new Date(Number(v)) : new Date(v);
  const t = d.getTime();
  if (Number.isNaN(t) || t < FIRST || t > LAST) {
    ctx.addIssue({
      code: "custom",
      message: "must be an ISO date or epoch milliseconds from 1970 to 9999",
    });
    return z.NEVER;
  }
  return d;
});

const querySchema = z.object({
  from: date.optional(),
  to: date.optional(),
  bucket: z.enum(["hour", "day"]).optional(),
  format: z.enum(["json", "csv"]).default("json"),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  cursor: z.string().max(200).optional(),
  endpoint: z.string().max(63).optional(),
});

export interface ReportQuery {
  from: Date;
  to: Date;
  /** False when `to` defaulted to now. */
  toGiven: boolean;
  bucket: Bucket;
  format: "json" | "csv";
  limit: number;
  cursor?: string;
  endpoint?: string;
}

/** Report parameters: default range the last 7 days, hourly up to 2 days, else daily. */
export function parseReportQuery(url: URL): ReportQuery {
  const q = parseQuery(url, querySchema);
  const to = q.to ?? new Date();
  const from = q.from ?? new Date(to.getTime() - 7 * 86_400_000);
  if (from >= to) throw new ApiError("bad_request", 'Query parameter "from" must be before "to".');
  const bucket = q.bucket ?? (to.getTime() - from.getTime() <= 2 * 86_400_000 ? "hour" : "day");
  if (bucketCount(from, to, bucket) > MAX_BUCKETS) {
    throw new ApiError(
      "bad_request",
      `That range has more than ${MAX_BUCKETS} ${bucket} buckets; use a larger bucket.`,
    );
  }
  return { ...q, from, to, toGiven: q.to !== undefined, bucket };
}

const BIGINT_MAX = 2n ** 63n - 1n;

/** A ledger page's `cursor` (an entry id, as `nextCursor` hands it out); malformed → 400. */
export function entryIdCursor(cursor: string | undefined): bigint | undefined {
  if (cursor === undefined) return undefined;
  const id = /^[1-9]\d{0,18}$/.test(cursor) ? BigInt(cursor) : 0n;
  if (id < 1n || id > BIGINT_MAX) {
    throw badCursor();
  }
  return id;
}
