import { expect, test } from "./fixtures";
import { baseUrl } from "./helpers";

const PAGES = ["/", "/endpoints/demo", "/me", "/provider", "/provider/new", "/provider/keys"];

test("every page runs under its nonce CSP: nothing blocked, and the page works", async ({
  page,
}) => {
  for (const path of PAGES) {
    const res = await page.goto(path);
    const csp = res?.headers()["content-security-policy"] ?? "";
    expect(csp, path).toMatch(/script-src [^;]*'nonce-[^']+'/);
    expect(csp, path).not.toMatch(/script-src [^;]*'unsafe-inline'/);
    expect(res?.headers()["x-content-type-options"]).toBe("nosniff");
    // Hydrated: the wallet menu (a client component) opens.
    await page.getByRole("button", { name: "Connect wallet" }).click();
    await expect(page.getByRole("menu", { name: "Wallets" })).toBeVisible();
    await page.keyboard.press("Escape");
  }
});

test("another site cannot frame a page", async ({ page, csp }) => {
  await page.goto("about:blank");
  await page.setContent(`<iframe title="framed" src="${baseUrl()}/"></iframe>`);
  const frame = page.frameLocator("iframe");
  await page.waitForTimeout(1000);
  await expect(frame.getByRole("heading", { name: "API catalog" })).toHaveCount(0);
  // The browser says why; that report is the expected one here.
  expect(csp.take().join("\n")).toMatch(/frame-ancestors/);
});
