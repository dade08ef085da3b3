import path from "node:path";
import { defineConfig } from "vitest/config";

/** `npm run test:ha`: the failover test on a pg_auto_failover formation (see scripts/test-ha.sh). */
export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["test/ha/**/*.ha.ts"],
    testTimeout: 600_000,
    hookTimeout: 900_000,
    pool: "forks",
  },
});
