import { expect, test } from "./fixtures";
import { chainConfig, connectedPage, screenshots } from "./helpers";
import { startLateFacilitator } from "./late-facilitator";
import { type E2eServer, startServer } from "./server";

// A server of its own: its operator set a remote facilitator that settles but answers late.
test("purchase: the facilitator answers too late → pending in the page → reconciled → credited once", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const facilitator = await startLateFacilitator(6_000);
  let server: E2eServer | undefined;
  try {
    server = await startServer({
      FACILITATOR: facilitator.url,
      // Generous enough for /verify on a busy machine; /settle answers far later.
      FACILITATOR_TIMEOUT_MS: "1500",
      RECONCILE_INTERVAL_MS: "2000",
    });
    facilitator.bind(await chainConfig(server.url));
    const base = server.url;
    const wallet = await connectedPage(page, "/endpoints/demo", { base });
    await page.getByRole("button", { name: /devnet faucet/ }).click();
    await expect(page.getByTestId("usdc-balance")).toHaveText("10.00 USDC");

    await page.getByRole("button", { name: "Buy Starter for 1.00 USDC" }).click();
    await expect(
      page.getByText("The payment is pending at the facilitator; waiting for it to settle…"),
    ).toBeVisible();
    await screenshots(page, "purchase-pending");
    // The transfer already happened on chain; only its answer is late.
    await expect.poll(() => facilitator.settled.length).toBe(1);

    await expect(page.getByTestId("receipt")).toHaveText("Bought 100 credits for 1.00 USDC.");
    await expect(page.getByTestId("credit-balance")).toHaveText("100 credits");
    await expect(page.getByTestId("usdc-balance")).toHaveText("9.00 USDC");
    const balance = await fetch(`${base}/api/credits/balance?endpoint=demo`, {
      headers: { "x-wallet-address": wallet.address },
    });
    expect(await balance.json()).toEqual({ credits: 100, endpoint: "demo" });
    // Once the late answer has arrived: still credited once, from one transfer.
    await expect.poll(() => facilitator.answered.length, { timeout: 20_000 }).toBe(1);
    const again = await fetch(`${base}/api/credits/balance?endpoint=demo`, {
      headers: { "x-wallet-address": wallet.address },
    });
    expect(await again.json()).toEqual({ credits: 100, endpoint: "demo" });
    expect(facilitator.settled).toHaveLength(1);
  } finally {
    await server?.stop();
    await facilitator.close();
  }
});
