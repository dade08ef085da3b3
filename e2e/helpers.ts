import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";
import { installWallet } from "./wallet";

export const baseUrl = () => process.env.E2E_BASE_URL as string;

export async function chainConfig(
  base = baseUrl(),
): Promise<{ rpcUrl: string; chainId: number; network: string }> {
  return (await fetch(`${base}/api/config`)).json();
}

/** A page with a fresh injected test wallet, connected on `path` (of `base`, if given). */
export async function connectedPage(
  page: Page,
  path: string,
  opts: { chainId?: number; base?: string } = {},
) {
  const config = await chainConfig(opts.base);
  const wallet = await installWallet(page, config);
  if (opts.chainId) wallet.chainId = opts.chainId;
  await page.goto(opts.base ? `${opts.base}${path}` : path);
  await page.getByRole("button", { name: "Connect wallet" }).click();
  await page.getByRole("menuitem", { name: "E2E Wallet" }).click();
  await expect(page.getByTestId("connected-address")).toHaveAttribute("title", wallet.address);
  return wallet;
}

/**
 * Full-page screenshots at desktop and phone widths, for people to look at. At phone width
 * the page itself must not scroll sideways (wide tables scroll inside their own box).
 */
export async function screenshots(page: Page, name: string) {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: `e2e/screenshots/${name}-desktop.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `e2e/screenshots/${name}-phone.png`, fullPage: true });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, `${name} at 390 px is ${width} px wide`).toBeLessThanOrEqual(390);
  await expectAccessible(page, `${name} (phone)`);
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** The same page in dark mode (prefers-color-scheme), desktop width. */
export async function darkScreenshot(page: Page, name: string) {
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: `e2e/screenshots/${name}-dark.png`, fullPage: true });
  await expectAccessible(page, `${name} (dark)`);
  await page.emulateMedia({ colorScheme: "light" });
}

/** axe's WCAG 2 A/AA rules (names and labels, contrast, ARIA use) find nothing. */
async function expectAccessible(page: Page, what: string) {
  const { violations } = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  const found = violations.map(
    (v) => `${v.id}: ${v.help} → ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
  );
  expect(found, `accessibility of ${what}`).toEqual([]);
}
