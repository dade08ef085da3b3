import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "@/db";
import { type Endpoint, endpoints } from "@/db/schema";
import { ApiError } from "@/lib/http/errors";

/** The endpoint behind a slug, or a 404 the client can read. */
export async function requireEndpoint(db: Db, slug: string): Promise<Endpoint> {
  const [endpoint] = await db
    .select()
    .from(endpoints)
    .where(and(eq(endpoints.slug, slug), isNull(endpoints.deletedAt)))
    .limit(1);
  if (!endpoint) throw new ApiError("endpoint_not_found", `No endpoint named "${slug}".`);
  return endpoint;
}
