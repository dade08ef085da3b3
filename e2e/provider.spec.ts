import { expect, test } from "./fixtures";
import { baseUrl, connectedPage, darkScreenshot, screenshots } from "./helpers";

test("provider: sign in → create with packs → key once → edit price → pause (503) → resume", async ({
  page,
}) => {
  await connectedPage(page, "/provider");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("You have no endpoints yet.")).toBeVisible();

  await page.getByRole("link", { name: "New endpoint" }).click();
  // Validation messages before anything is sent.
  await page.getByRole("button", { name: "Create endpoint" }).click();
  await expect(page.getByText("Name is required.")).toBeVisible();

  const slug = `e2e-${Date.now().toString(36)}`;
  await page.getByLabel("Slug").fill(slug);
  await page.getByLabel("Name", { exact: true }).fill("E2E text API");
  await page.getByLabel("Description").fill("Made by the browser test.");
  await page.getByLabel("Origin URL").fill(`${baseUrl()}/api/demo`);
  await page.getByLabel("Pack 1 credits").fill("50");
  await page.getByRole("button", { name: "Add pack" }).click();
  await page.getByLabel("Pack 2 name").fill("Big");
  await page.getByLabel("Pack 2 credits").fill("1000");
  await page.getByLabel("Pack 2 price").fill("9.5");
  await page.getByRole("button", { name: "Add route" }).click();
  await page.getByLabel("Route 1 method").selectOption("POST");
  await page.getByLabel("Route 1 path").fill("/analyze");
  await page.getByLabel("Route 1 credits").fill("5");
  await screenshots(page, "provider-new");
  await page.getByRole("button", { name: "Create endpoint" }).click();

  const secret = page.getByTestId("secret");
  await expect(secret).toHaveText(/^xc_ok_/);
  await page.getByRole("link", { name: `Continue to ${slug}` }).click();
  await expect(page.getByRole("heading", { name: "E2E text API" })).toBeVisible();
  await expect(page.getByTestId("secret")).toHaveCount(0); // shown once only

  await page.getByLabel("Pack 1 price").fill("2.25");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  const catalog = await (await fetch(`${baseUrl()}/api/endpoints`)).json();
  const listed = catalog.endpoints.find((e: { slug: string }) => e.slug === slug);
  expect(listed.apiSchema.routes).toEqual([{ method: "POST", path: "/analyze", credits: 5 }]);
  const packs = await (await fetch(`${baseUrl()}/api/credits/packs?endpoint=${slug}`)).json();
  expect(packs.packs[0]).toMatchObject({ name: "Starter", credits: 50, price: "2.25" });

  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Pause" }).click();
  await expect(page.getByTestId("endpoint-state")).toHaveText("Paused");
  const paused = await fetch(`${baseUrl()}/e/${slug}/echo`, {
    headers: { "x-wallet-address": "0x000000000000000000000000000000000000dEaD" },
  });
  expect(paused.status).toBe(503);
  await screenshots(page, "provider-endpoint");
  await darkScreenshot(page, "provider-endpoint");

  await page.getByRole("button", { name: "Resume" }).click();
  await expect(page.getByTestId("endpoint-state")).toHaveText("Live");
  const resumed = await fetch(`${baseUrl()}/e/${slug}/echo`, {
    headers: { "x-wallet-address": "0x000000000000000000000000000000000000dEaD" },
  });
  expect(resumed.status).toBe(402); // live again: this wallet simply has no credits

  await page.getByRole("link", { name: "Provider" }).click();
  await expect(page.getByRole("link", { name: "E2E text API" })).toBeVisible();
  await expect(page.getByTestId("kpi-calls")).toHaveText("0");
  await screenshots(page, "provider-list");
});
