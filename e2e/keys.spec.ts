import { startOrigin } from "../test/helpers/origin";
import { agentWithCredits } from "./agent";
import { expect, test } from "./fixtures";
import { baseUrl, connectedPage, darkScreenshot, screenshots } from "./helpers";

const endpointInput = (slug: string, originUrl: string, name: string) => ({
  slug,
  name,
  originUrl,
  creditsPerCall: 1,
  packs: [{ name: "Starter", credits: 100, price: "1.00" }],
});

test("API keys: create → shown once, copied → works as Bearer → revoke after confirming → 401", async ({
  page,
  context,
}) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await connectedPage(page, "/provider/keys");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("No API keys.")).toBeVisible();

  await page.getByLabel("Key name").fill("e2e server");
  await page.getByRole("button", { name: "Create key" }).click();
  const secret = (await page.getByTestId("secret").textContent()) ?? "";
  expect(secret).toMatch(/^xc_sk_/);
  await page.getByRole("button", { name: "Copy" }).click();
  await expect(page.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  await screenshots(page, "provider-keys");
  await darkScreenshot(page, "provider-keys");

  const withKey = (path: string, init: RequestInit = {}) =>
    fetch(`${baseUrl()}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    });
  // The key acts as the signed-in provider: what it creates is theirs in the dashboard.
  const slug = `key-${Date.now().toString(36)}`;
  const created = await withKey("/api/provider/endpoints", {
    method: "POST",
    body: JSON.stringify(endpointInput(slug, `${baseUrl()}/api/demo`, "Made with a key")),
  });
  expect(created.status).toBe(201);

  await page.reload();
  await expect(page.getByTestId("secret")).toHaveCount(0); // shown once
  const row = page.getByRole("listitem").filter({ hasText: "e2e server" });
  await expect(row).toContainText("last used");
  const revoke = row.getByRole("button", { name: "Revoke e2e server" });

  let question = "";
  page.once("dialog", (d) => {
    question = d.message();
    void d.dismiss();
  });
  await revoke.click();
  expect(question).toContain('Revoke "e2e server"?');
  await expect(row).toBeVisible();
  expect((await withKey("/api/provider/endpoints")).status).toBe(200);

  page.once("dialog", (d) => void d.accept());
  await revoke.click();
  await expect(page.getByText("No API keys.")).toBeVisible();
  const refused = await withKey("/api/provider/endpoints");
  expect(refused.status).toBe(401);
  expect((await refused.json()).error.code).toBe("authentication_required");

  await page.getByRole("link", { name: "Provider" }).click();
  await expect(page.getByRole("link", { name: "Made with a key" })).toBeVisible();
});

test("origin key: rotate on the endpoint page → shown once → the origin gets the new key at once", async ({
  page,
}) => {
  const origin = await startOrigin();
  try {
    await connectedPage(page, "/provider");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByText("You have no endpoints yet.")).toBeVisible();
    // page.request carries the browser's session cookie.
    const slug = `rot-${Date.now().toString(36)}`;
    const created = await page.request.post("/api/provider/endpoints", {
      data: endpointInput(slug, origin.url, "Rotation test"),
      headers: { origin: baseUrl() },
    });
    expect(created.status()).toBe(201);
    const { originKey: first } = (await created.json()) as { originKey: string };

    const wallet = await agentWithCredits(slug);
    const call = async () => {
      const res = await fetch(`${baseUrl()}/e/${slug}/echo`, {
        headers: { "x-wallet-address": wallet },
      });
      expect(res.status).toBe(200);
      return origin.seen.at(-1)?.headers["x-api-key"];
    };
    expect(await call()).toBe(first);

    await page.goto(`/provider/${slug}`);
    await expect(page.getByTestId("kpi-active-wallets")).toHaveText("1");
    let question = "";
    page.once("dialog", (d) => {
      question = d.message();
      void d.accept();
    });
    await page.getByRole("button", { name: "Rotate origin key" }).click();
    expect(question).toBe("Rotate the origin key? The old key stops working at once.");
    const second = (await page.getByTestId("secret").textContent()) ?? "";
    expect(second).toMatch(/^xc_ok_/);
    expect(second).not.toBe(first);
    expect(await call()).toBe(second);
    await screenshots(page, "provider-rotated");

    await page.reload();
    await expect(page.getByRole("heading", { name: "Rotation test" })).toBeVisible();
    await expect(page.getByTestId("secret")).toHaveCount(0);
  } finally {
    await origin.close();
  }
});
