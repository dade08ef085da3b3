import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from ".";

const dataDir = () => mkdtempSync(path.join(tmpdir(), "x402-config-"));

describe("loadConfig", () => {
  it("defaults to embedded PGlite on port 3000 with a persisted generated secret", () => {
    const dir = dataDir();
    const config = loadConfig({ DATA_DIR: dir });
    expect(config.database).toEqual({ kind: "pglite", dir: path.join(dir, "pglite") });
    expect(config.workers).toBe(1);
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe("http://localhost:3000");
    expect(config.network).toBe("eip155:31337");
    expect(config.seedDemo).toBe(true);
    const file = path.join(dir, "app-secret");
    expect(readFileSync(file, "utf8").trim()).toBe(config.appSecret);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadConfig({ DATA_DIR: dir }).appSecret).toBe(config.appSecret);
  });

  it("keeps PGlite where PGLITE_DIR says, whatever DATA_DIR is", () => {
    const config = loadConfig({ DATA_DIR: dataDir(), PGLITE_DIR: "elsewhere/db" });
    expect(config.database).toEqual({ kind: "pglite", dir: path.resolve("elsewhere/db") });
  });

  it("runs one worker per core on PostgreSQL, one on PGlite or without the fast door", () => {
    const pg = { DATA_DIR: dataDir(), DATABASE_URL: "postgres://u@db:5432/x" };
    expect(loadConfig(pg).workers).toBe(Math.min(availableParallelism(), 4));
    expect(loadConfig({ ...pg, WORKERS: "3" }).workers).toBe(3);
    expect(loadConfig({ ...pg, WORKERS: "3", FAST_PATHS: "false" }).workers).toBe(1);
    expect(loadConfig({ DATA_DIR: dataDir(), WORKERS: "auto" }).workers).toBe(1);
    expect(() => loadConfig({ DATA_DIR: dataDir(), WORKERS: "2" })).toThrow(
      /^WORKERS: PGlite allows one process/,
    );
    expect(() => loadConfig({ ...pg, WORKERS: "0" })).toThrow(/^WORKERS: /);
    expect(() => loadConfig({ ...pg, WORKERS: "many" })).toThrow(/^WORKERS: /);
  });

  it("switches to PostgreSQL with DATABASE_URL alone", () => {
    const config = loadConfig({ DATA_DIR: dataDir(), DATABASE_URL: "postgres://u@db:5432/x" });
    expect(config.database).toEqual({
      kind: "postgres",
      url: "postgres://u@db:5432/x",
      poolMax: 20,
    });
    expect(config.seedDemo).toBe(false);
  });

  it("takes a failover pair as DATABASE_URL (several hosts, primary only)", () => {
    const url = "postgres://u@db1:6001,db2:6002/x?target_session_attrs=read-write";
    const config = loadConfig({ DATA_DIR: dataDir(), DATABASE_URL: url });
    expect(config.database).toEqual({ kind: "postgres", url, poolMax: 20 });
  });

  it("treats empty variables as unset", () => {
    const config = loadConfig({
      DATA_DIR: dataDir(),
      DATABASE_URL: "",
      PORT: "",
      WALLETCONNECT_PROJECT_ID: "",
    });
    expect(config.port).toBe(3000);
    expect(config.walletConnectProjectId).toBeUndefined();
  });

  it("publishes no metrics by default; a metrics port listens on loopback unless told", () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).metrics).toEqual({ host: "127.0.0.1" });
    const token = "t".repeat(32);
    const config = loadConfig({ DATA_DIR: dataDir(), METRICS_TOKEN: token, METRICS_PORT: "9464" });
    expect(config.metrics).toEqual({ token, port: 9464, host: "127.0.0.1" });
  });

  it("offers WalletConnect only with a project id", () => {
    const id = "3fcc6bba6f1de962d911bb5b5c3dba68";
    const config = loadConfig({ DATA_DIR: dataDir(), WALLETCONNECT_PROJECT_ID: id });
    expect(config.walletConnectProjectId).toBe(id);
  });

  it.each([
    [{ PORT: "70000" }, /^PORT: /],
    [{ PORT: "abc" }, /^PORT: /],
    [{ DATABASE_URL: "mysql://x/y" }, /^DATABASE_URL: /],
    [
      { DATABASE_URL: "postgres://db1:6001,db2:6002/x" },
      /^DATABASE_URL: lists several hosts: add \?target_session_attrs=read-write/,
    ],
    [{ PUBLIC_URL: "not a url" }, /^PUBLIC_URL: /],
    [{ APP_SECRET: "short" }, /^APP_SECRET: must be at least 32/],
    [{ NETWORK: "base" }, /^NETWORK: /],
    [{ FAST_PATHS: "maybe" }, /^FAST_PATHS: /],
    [{ WALLETCONNECT_PROJECT_ID: "my-project" }, /^WALLETCONNECT_PROJECT_ID: must be the 32/],
    [{ NODE_ENV: "production", DATABASE_URL: "postgres://db/x" }, /^APP_SECRET: required/],
    [{ NETWORK: "eip155:8453" }, /^NETWORK: eip155:8453 moves real money and needs DATABASE_URL/],
    [{ METRICS_TOKEN: "short" }, /^METRICS_TOKEN: must be 32-256 printable/],
    [{ METRICS_TOKEN: `${"x".repeat(31)} y` }, /^METRICS_TOKEN: /],
    [{ METRICS_PORT: "0" }, /^METRICS_PORT: /],
    [{ PORT: "4000", METRICS_PORT: "4000" }, /^METRICS_PORT: must differ from PORT/],
  ])("rejects %o naming the variable", (env, message) => {
    const load = () => loadConfig({ DATA_DIR: dataDir(), ...env });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
  });

  it("allows mainnet on PGlite only when the operator says so", () => {
    const config = loadConfig({
      DATA_DIR: dataDir(),
      NETWORK: "eip155:8453",
      ALLOW_PGLITE_MAINNET: "true",
      RPC_URL: "http://127.0.0.1:8545",
    });
    expect(config.chain).toMatchObject({ devnet: false, facilitator: { kind: "remote" } });
    expect(config.network).toBe("eip155:8453");
  });
  it("listens on loopback unless HOST says otherwise, and allows private origins only there", () => {
    const local = loadConfig({ DATA_DIR: dataDir() });
    expect(local.host).toBe("127.0.0.1");
    expect(local.allowPrivateOrigins).toBe(true);
    expect(local.reachableFromNetwork).toBe(false);
    for (const env of [
      { HOST: "0.0.0.0" },
      { HOST: "::" },
      { HOST: "192.168.1.20" },
      // Behind a reverse proxy on loopback: the public URL says the world reaches it.
      { PUBLIC_URL: "https://credits.example.com" },
    ]) {
      const exposed = loadConfig({ DATA_DIR: dataDir(), ...env });
      expect(exposed.reachableFromNetwork, JSON.stringify(env)).toBe(true);
      expect(exposed.allowPrivateOrigins, JSON.stringify(env)).toBe(false);
    }
    for (const HOST of ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
      expect(loadConfig({ DATA_DIR: dataDir(), HOST }).allowPrivateOrigins, HOST).toBe(true);
    expect(
      loadConfig({ DATA_DIR: dataDir(), HOST: "0.0.0.0", ALLOW_PRIVATE_ORIGINS: "true" })
        .allowPrivateOrigins,
    ).toBe(true);
    expect(
      loadConfig({ DATA_DIR: dataDir(), ALLOW_PRIVATE_ORIGINS: "false" }).allowPrivateOrigins,
    ).toBe(false);
  });

  it("bounds gateway bodies and concurrency with validated defaults", () => {
    const config = loadConfig({ DATA_DIR: dataDir() });
    expect(config.gateway).toEqual({
      maxBodyBytes: 100 * 2 ** 20,
      defaultBodyBytes: 10 * 2 ** 20,
      walletConcurrency: 64,
      connectionsPerEndpoint: 256,
    });
    const set = loadConfig({
      DATA_DIR: dataDir(),
      GATEWAY_MAX_BODY_BYTES: "1048576",
      GATEWAY_WALLET_CONCURRENCY: "2",
      GATEWAY_ORIGIN_CONNECTIONS: "8",
    });
    // The default per-endpoint limit never exceeds the operator's cap.
    expect(set.gateway).toEqual({
      maxBodyBytes: 1048576,
      defaultBodyBytes: 1048576,
      walletConcurrency: 2,
      connectionsPerEndpoint: 8,
    });
    expect(() => loadConfig({ DATA_DIR: dataDir(), GATEWAY_MAX_BODY_BYTES: "-1" })).toThrow(
      /^GATEWAY_MAX_BODY_BYTES: /,
    );
    expect(() => loadConfig({ DATA_DIR: dataDir(), GATEWAY_WALLET_CONCURRENCY: "0" })).toThrow(
      /^GATEWAY_WALLET_CONCURRENCY: /,
    );
  });

  it("lets any origin read the agent API by default, or exactly the listed ones", () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).corsOrigins).toBe("*");
    expect(loadConfig({ DATA_DIR: dataDir(), CORS_ORIGINS: " * " }).corsOrigins).toBe("*");
    // Normalised as a browser serialises Origin: lower-case host, no default port.
    expect(
      loadConfig({
        DATA_DIR: dataDir(),
        CORS_ORIGINS: "https://App.Example:443, http://localhost:5173",
      }).corsOrigins,
    ).toEqual(["https://app.example", "http://localhost:5173"]);
    for (const bad of [
      "*,https://a.example",
      "https://a.example/",
      "https://a.example/path",
      "https://a.example?x",
      "ftp://a.example",
      "https://user@a.example",
      "a.example",
      "null",
      " , ",
    ])
      expect(() => loadConfig({ DATA_DIR: dataDir(), CORS_ORIGINS: bad }), bad).toThrow(
        /^CORS_ORIGINS: /,
      );
  });
});
