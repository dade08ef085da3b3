import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { type Database, openDatabase } from "@/db";

export type TestTarget = "pglite" | "postgres";

export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export async function postgresReachable(url = TEST_DATABASE_URL): Promise<boolean> {
  const probe = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await probe`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await probe.end({ timeout: 1 });
  }
}

/**
 * A migrated, empty database of its own: in-memory PGlite, or a fresh database on the
 * test server (dropped on close) so that parallel files and concurrent runs never meet.
 */
export async function openTestDatabase(
  target: TestTarget,
  opts: { poolMax?: number } = {},
): Promise<Database & { url?: string }> {
  if (target === "pglite") return openDatabase({ kind: "pglite" });
  const name = `x402_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase({
    kind: "postgres",
    url: url.toString(),
    poolMax: opts.poolMax ?? 10,
  });
  let closed = false;
  return {
    ...database,
    url: url.toString(),
    // Idempotent: the app closes the database it was handed, and so does the test.
    async close() {
      if (closed) return;
      closed = true;
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
