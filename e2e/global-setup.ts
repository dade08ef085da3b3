import { startServer } from "./server";

/** The server every journey runs against; returns the teardown. */
export default async function globalSetup() {
  const server = await startServer({
    // A made-up id: WalletConnect is listed, and the tests check it never goes online.
    WALLETCONNECT_PROJECT_ID: "e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0",
  });
  process.env.E2E_BASE_URL = server.url;
  return server.stop;
}
