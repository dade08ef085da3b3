import { expect, test } from "./fixtures";
import { baseUrl, connectedPage, darkScreenshot, screenshots } from "./helpers";

test("buyer: connect → faucet → buy a pack → call the API → usage and history after sign-in", async ({
  page,
}) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "API catalog" })).toBeVisible();
  await screenshots(page, "catalog");

  const wallet = await connectedPage(page, "/endpoints/demo");
  await expect(page.getByTestId("credit-balance")).toHaveText("0 credits");
  await page.getByRole("button", { name: /devnet faucet/ }).click();
  await expect(page.getByTestId("usdc-balance")).toHaveText("10.00 USDC");

  await page.getByRole("button", { name: "Buy Starter for 1.00 USDC" }).click();
  await expect(page.getByTestId("receipt")).toHaveText("Bought 100 credits for 1.00 USDC.");
  // Refreshed without a reload: TanStack queries are invalidated after the purchase.
  await expect(page.getByTestId("credit-balance")).toHaveText("100 credits");
  await expect(page.getByTestId("usdc-balance")).toHaveText("9.00 USDC");

  const call = await fetch(`${baseUrl()}/e/demo/echo`, {
    headers: { "x-wallet-address": wallet.address },
  });
  expect(call.status).toBe(200);
  expect(call.headers.get("x-credits-remaining")).toBe("99");

  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("usage-total")).toHaveText("1 call in this period.");
  await screenshots(page, "endpoint");
  await darkScreenshot(page, "endpoint");

  await page.getByRole("link", { name: "My credits" }).click();
  await expect(page.getByTestId("balance-demo")).toHaveText("99");
  const purchases = page.getByTestId("purchases");
  await expect(purchases.getByRole("row")).toHaveCount(2);
  await expect(purchases).toContainText("settled");
  const history = page.getByTestId("history");
  await expect(history).toContainText("consume");
  await expect(history).toContainText("purchase");
  await screenshots(page, "my-credits");
});
