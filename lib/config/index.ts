export { type Config, type DatabaseConfig, isTestNetwork, loadConfig } from "./config";
export { ConfigError, type Env, parseEnv } from "./env";
