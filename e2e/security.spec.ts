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

test("another site cannot frame a page", async ({ page }) => {
  await page.goto("about:blank");
  await page.setContent(`<iframe title="framed" src="${baseUrl()}/"></iframe>`);
  const framed = () => page.frames().find((f) => f !== page.mainFrame());
  // Chromium replaces a frame it refused to show (frame-ancestors 'none') by its error page.
  await expect.poll(() => framed()?.url()).toMatch(/^chrome-error:/);
  await expect(page.frameLocator("iframe").getByText("API catalog")).toHaveCount(0);
});
