import type { TestProject } from "vitest/node";
import { ensureBuild } from "@/scripts/ensure-build.mjs";
import { postgresReachable, TEST_DATABASE_URL, type TestTarget } from "./databases";

declare module "vitest" {
  export interface ProvidedContext {
    dbTargets: TestTarget[];
  }
}

export default async function setup(project: TestProject) {
  const reachable = await postgresReachable();
  if (!reachable) {
    const line = "!".repeat(78);
    const where = TEST_DATABASE_URL.replace(/:[^:@/]*@/, ":***@");
    if (process.env.REQUIRE_TEST_POSTGRES === "1") {
      throw new Error(`REQUIRE_TEST_POSTGRES=1 but PostgreSQL at ${where} is unreachable`);
    }
    console.warn(
      `\n${line}\n!! PostgreSQL at ${where} is UNREACHABLE.\n!! Ledger tests run on PGlite ONLY; the real-server half of the suite is NOT run.\n!! Start PostgreSQL or set TEST_DATABASE_URL.\n${line}\n`,
    );
  }
  // HTTP tests run the production build, as `npm start` does.
  ensureBuild();
  project.provide("dbTargets", reachable ? ["pglite", "postgres"] : ["pglite"]);
}
