import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Native, WASM or child-process packages: loaded by Node at run time, not bundled.
  serverExternalPackages: ["@electric-sql/pglite", "postgres", "solc", "@foundry-rs/anvil"],
  poweredByHeader: false,
};

export default nextConfig;
