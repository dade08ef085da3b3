import { expect, type Page, test } from "./fixtures";
import { chainConfig, darkScreenshot, screenshots } from "./helpers";
import { installWallet } from "./wallet";

// data: and blob: URLs never leave the browser.
const isLocal = (url: string) => {
  const u = new URL(url);
  return ["data:", "blob:"].includes(u.protocol) || ["127.0.0.1", "localhost"].includes(u.hostname);
};

/**
 * Records every URL the browser asks for (all pages, and sockets) and what each script
 * contains; anything off this machine is recorded, then refused.
 */
async function recordTraffic(page: Page) {
  const urls: string[] = [];
  const scripts: string[] = [];
  const context = page.context();
  context.on("request", (r) => urls.push(r.url()));
  context.on("response", async (r) => {
    if (r.request().resourceType() === "script") scripts.push(await r.text().catch(() => ""));
  });
  await context.route(
    (u) => !isLocal(u.href),
    (route) => route.abort(),
  );
  await context.routeWebSocket(
    (u) => !isLocal(u.href),
    (ws) => {
      urls.push(ws.url());
      ws.close();
    },
  );
  return { urls, scripts, offMachine: () => urls.filter((u) => !isLocal(u)) };
}

// A constant each SDK carries: present in a script only if that SDK was downloaded.
const COINBASE_SDK = "keys.coinbase.com";
const WALLETCONNECT_SDK = "relay.walletconnect";
const loaded = (scripts: string[], marker: string) => scripts.some((s) => s.includes(marker));

test("wallet menu: every wallet labelled, keyboard driven, no SDK and nothing off-machine until picked", async ({
  page,
}) => {
  const traffic = await recordTraffic(page);
  const wallet = await installWallet(page, await chainConfig());
  await page.goto("/");
  await page.waitForLoadState("networkidle");

  const toggle = page.getByRole("button", { name: "Connect wallet" });
  await toggle.focus();
  await page.keyboard.press("Enter");
  const menu = page.getByRole("menu", { name: "Wallets" });
  const items = menu.getByRole("menuitem");
  await expect(items).toHaveCount(4);
  const names = ["E2E Wallet", "Coinbase Wallet", "WalletConnect", "Dev wallet (devnet only)"];
  for (const [i, name] of names.entries()) {
    await expect(items.nth(i)).toHaveAccessibleName(name);
  }
  await expect(items.nth(1)).toHaveAccessibleDescription(/^Extension, app or smart wallet/);
  await expect(items.nth(2)).toHaveAccessibleDescription("Scan a QR code with a phone wallet");
  await expect(items.first()).toBeFocused();
  for (const [key, at] of [
    ["ArrowDown", 1],
    ["End", 3],
    ["ArrowDown", 0],
    ["ArrowUp", 3],
    ["Home", 0],
  ] as const) {
    await page.keyboard.press(key);
    await expect(items.nth(at)).toBeFocused();
  }
  await screenshots(page, "connect-menu");
  await darkScreenshot(page, "connect-menu");
  await page.keyboard.press("Escape");
  await expect(menu).toBeHidden();
  await expect(toggle).toBeFocused();

  expect(traffic.offMachine()).toEqual([]);
  expect(loaded(traffic.scripts, COINBASE_SDK)).toBe(false);
  expect(loaded(traffic.scripts, WALLETCONNECT_SDK)).toBe(false);

  // Picking Coinbase Wallet downloads its SDK (from this server), which opens Coinbase's
  // popup; offline it never loads. Closing it must leave the page usable.
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await expect(items.nth(1)).toBeFocused();
  const popup = page.context().waitForEvent("page");
  await page.keyboard.press("Enter");
  await expect.poll(() => loaded(traffic.scripts, COINBASE_SDK)).toBe(true);
  await expect
    .poll(() => traffic.offMachine())
    .toEqual([expect.stringMatching(/^https:\/\/keys\.coinbase\.com\/connect\?/)]);
  await (await popup).close();

  await page.getByRole("button", { name: /Connect wallet|Connecting/ }).click();
  await page.getByRole("menuitem", { name: "E2E Wallet" }).click();
  await expect(page.getByTestId("connected-address")).toHaveAttribute("title", wallet.address);
  expect(loaded(traffic.scripts, WALLETCONNECT_SDK)).toBe(false);
});

test("WalletConnect: its SDK loads on pick; offline, closing its modal leaves the page usable", async ({
  page,
}) => {
  const traffic = await recordTraffic(page);
  const wallet = await installWallet(page, await chainConfig());
  await page.goto("/");
  await page.getByRole("button", { name: "Connect wallet" }).click();
  expect(loaded(traffic.scripts, WALLETCONNECT_SDK)).toBe(false);
  await page.getByRole("menuitem", { name: "WalletConnect" }).click();
  await expect.poll(() => loaded(traffic.scripts, WALLETCONNECT_SDK)).toBe(true);
  await expect(page.getByText("Scan this QR Code with your phone")).toBeVisible();
  expect(traffic.offMachine().some((u) => u.startsWith("wss://relay.walletconnect"))).toBe(true);

  await page.keyboard.press("Escape");
  await expect(page.getByText("Connection cancelled in the wallet.")).toBeVisible();
  await page.getByRole("button", { name: "Connect wallet" }).click();
  await page.getByRole("menuitem", { name: "E2E Wallet" }).click();
  await expect(page.getByTestId("connected-address")).toHaveAttribute("title", wallet.address);
  expect(loaded(traffic.scripts, COINBASE_SDK)).toBe(false);
});
