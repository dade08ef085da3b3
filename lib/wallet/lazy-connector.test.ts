import { type Address, numberToHex } from "viem";
import { foundry } from "viem/chains";
import { describe, expect, it } from "vitest";
import { createConfig, createConnector, createStorage, http } from "wagmi";
import { connect, disconnect, reconnect } from "wagmi/actions";
import { lazyConnector } from "./lazy-connector";

const ACCOUNT: Address = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";

/**
 * Behaves like wagmi's SDK-backed connectors: `setup` and every method reach the provider
 * through `this.getProvider()`, whose first call "downloads the SDK" (counted here).
 */
function sdkConnector(sdk: { loads: number }) {
  let provider: { request(args: { method: string }): Promise<unknown> } | undefined;
  return createConnector((config) => ({
    id: "sdkWallet",
    name: "SDK wallet",
    type: "sdkWallet",
    async setup() {
      await this.getProvider();
    },
    async connect(_parameters?: { isReconnecting?: boolean }) {
      await this.getProvider();
      sdkSession.connected = true;
      return { accounts: [ACCOUNT] as never, chainId: foundry.id };
    },
    async disconnect() {
      sdkSession.connected = false;
    },
    async getAccounts() {
      await this.getProvider();
      return sdkSession.connected ? [ACCOUNT] : [];
    },
    async getChainId() {
      return foundry.id;
    },
    async getProvider() {
      if (!provider) {
        sdk.loads++;
        provider = { request: async () => numberToHex(foundry.id) };
      }
      return provider;
    },
    async isAuthorized() {
      return (await this.getAccounts()).length > 0;
    },
    onAccountsChanged() {},
    onChainChanged() {},
    onDisconnect() {
      config.emitter.emit("disconnect");
    },
  }));
}

// Stands in for the SDK's own session (what survives a reload in a real browser).
const sdkSession = { connected: false };

function configWith(sdk: { loads: number }, store: Map<string, string>) {
  return createConfig({
    chains: [foundry],
    connectors: [lazyConnector(sdkConnector(sdk))],
    multiInjectedProviderDiscovery: false,
    storage: createStorage({
      storage: {
        getItem: (k) => store.get(k) ?? null,
        setItem: (k, v) => void store.set(k, v),
        removeItem: (k) => void store.delete(k),
      },
    }),
    transports: { [foundry.id]: http("http://127.0.0.1:9") },
  });
}

describe("lazyConnector", () => {
  it("loads the SDK only once picked, and again on a reload after it was used", async () => {
    const sdk = { loads: 0 };
    const store = new Map<string, string>();
    const config = configWith(sdk, store);
    await reconnect(config); // what every page load does
    const [connector] = config.connectors;
    if (!connector) throw new Error("no connector");
    expect(await connector.getProvider()).toBeUndefined();
    expect(await connector.isAuthorized()).toBe(false);
    expect(sdk.loads).toBe(0);

    const result = await connect(config, { connector });
    expect(result.accounts).toEqual([ACCOUNT]);
    expect(sdk.loads).toBe(1);
    expect(await connector.getProvider()).toBeDefined();

    // A reload: new config, same storage; wagmi remembered the connector, so it reconnects.
    const reloaded = { loads: 0 };
    const again = configWith(reloaded, store);
    const connections = await reconnect(again);
    expect(connections.map((c) => c.accounts)).toEqual([[ACCOUNT]]);
    expect(reloaded.loads).toBe(1);

    // Disconnected, then a reload: nothing to reconnect, so nothing to download.
    await disconnect(again);
    const afterwards = { loads: 0 };
    expect(await reconnect(configWith(afterwards, store))).toEqual([]);
    expect(afterwards.loads).toBe(0);
  });
});
