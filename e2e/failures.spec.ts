import { expect, type Page, test } from "./fixtures";
import { connectedPage, screenshots } from "./helpers";

async function balancesUnchanged(page: Page, usdc: string) {
  await expect(page.getByTestId("credit-balance")).toHaveText("0 credits");
  await expect(page.getByTestId("usdc-balance")).toHaveText(usdc);
}

test.describe("purchase failures say what happened and charge nothing", () => {
  test("the wallet rejects the signature (EIP-1193 4001)", async ({ page }) => {
    const wallet = await connectedPage(page, "/endpoints/demo");
    await page.getByRole("button", { name: /devnet faucet/ }).click();
    await expect(page.getByTestId("usdc-balance")).toHaveText("10.00 USDC");
    wallet.rejectSignatures = true;
    await page.getByRole("button", { name: "Buy Starter for 1.00 USDC" }).click();
    await expect(
      page.getByText("You declined the signature in your wallet. Nothing was charged."),
    ).toBeVisible();
    await balancesUnchanged(page, "10.00 USDC");
    await screenshots(page, "purchase-rejected");
  });

  test("the wallet has no USDC", async ({ page }) => {
    await connectedPage(page, "/endpoints/demo");
    await expect(page.getByTestId("usdc-balance")).toHaveText("0.00 USDC");
    await page.getByRole("button", { name: "Buy Starter for 1.00 USDC" }).click();
    await expect(page.getByText(/^Not enough USDC: this pack costs 1.00 USDC/)).toBeVisible();
    await balancesUnchanged(page, "0.00 USDC");
  });

  test("the wallet is on another network", async ({ page }) => {
    const wallet = await connectedPage(page, "/endpoints/demo", { chainId: 1 });
    await expect(page.getByText("Wrong network: your wallet is on chain 1")).toBeVisible();
    await screenshots(page, "wrong-network");
    await page.getByRole("button", { name: "Buy Starter for 1.00 USDC" }).click();
    await expect(
      page.getByText(/switch it to chain 31337 to pay. Nothing was charged./),
    ).toBeVisible();
    await balancesUnchanged(page, "0.00 USDC");
    await page.getByRole("button", { name: "Switch to chain 31337" }).click();
    await expect(page.getByText("Wrong network")).toHaveCount(0);
    expect(wallet.chainId).toBe(31337);
  });
});
