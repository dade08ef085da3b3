import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Native, WASM or child-process packages: loaded by Node at run time, not bundled.
  // rate-limiter-flexible imports drizzle-orm by a computed name, which a bundle cannot follow.
  serverExternalPackages: [
    "@electric-sql/pglite",
    "postgres",
    "solc",
    "@foundry-rs/anvil",
    "rate-limiter-flexible",
    // One copy per process, shared with the custom server (which loads it from node_modules).
    "prom-client",
  ],
  poweredByHeader: false,
  // `npm run check` typechecks the whole project; the build need not do it again (and
  // should not fail on a type error in a script outside the app).
  typescript: { ignoreBuildErrors: true },
};

export default nextConfig;
