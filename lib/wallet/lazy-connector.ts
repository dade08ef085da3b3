import type { CreateConnectorFn } from "wagmi";

/**
 * Keeps a connector's SDK unloaded until the person picks that connector. wagmi asks every
 * connector for its provider when the config is set up and again on each page load
 * (reconnect), and the Coinbase and WalletConnect connectors import and start their SDKs
 * right there: a download for everyone and, for WalletConnect, a socket to its relay before
 * anyone chose it. Until `connect` is called in this tab, or this connector was the last one
 * used and not disconnected (wagmi's `recentConnectorId`, so reloads reconnect), it reports
 * no provider.
 */
export function lazyConnector<
  provider,
  properties extends Record<string, unknown>,
  storage extends Record<string, unknown>,
>(
  create: CreateConnectorFn<provider, properties, storage>,
): CreateConnectorFn<provider, properties, storage> {
  return (config) => {
    const inner = create(config);
    let picked = false;
    const wanted = async () =>
      picked || (await config.storage?.getItem("recentConnectorId")) === inner.id;
    // `this` is the connector wagmi builds from this object, so the inner methods' own
    // `this.getProvider()` calls come back through the guard below.
    return {
      ...inner,
      async setup() {
        if (await wanted()) await inner.setup?.call(this);
      },
      async connect(parameters) {
        picked = true;
        return inner.connect.call(this, parameters);
      },
      // wagmi keeps the last connector as "recent" after a disconnect; forgetting it here
      // keeps later page loads SDK-free for someone who stopped using this wallet.
      async disconnect() {
        await inner.disconnect.call(this);
        if ((await config.storage?.getItem("recentConnectorId")) === inner.id) {
          await config.storage?.removeItem("recentConnectorId");
        }
      },
      async getProvider(parameters) {
        return (await wanted()) ? inner.getProvider.call(this, parameters) : undefined;
      },
      async isAuthorized() {
        return (await wanted()) && inner.isAuthorized.call(this);
      },
    };
  };
}
