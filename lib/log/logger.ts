import { createRequire } from "node:module";
import pino, { type DestinationStream, type Logger, type LoggerOptions } from "pino";

export type { Logger } from "pino";

import { LOG_LEVELS, type LogLevel } from "./levels";

/** Headers that prove something to us or to an origin: never written to a log. */
const SECRET_HEADERS = [
  "x-api-key",
  "authorization",
  "cookie",
  "set-cookie",
  "payment-signature",
  "x-payment",
  "sign-in-with-x",
];

/** Field names that hold secrets wherever they sit (one level deep, as fast-redact matches). */
const SECRET_FIELDS = [
  "APP_SECRET",
  "appSecret",
  "secret",
  "token",
  "apiKey",
  "originKey",
  "privateKey",
  "password",
  "key",
];

/**
 * Redaction by path (pino's fast-redact): a header bag under `headers`, `req.headers` or
 * `res.headers`, and secret-named fields at the top or one level down. A censored value
 * is `[redacted]`; the line still says the field was there.
 */
export const REDACT_PATHS = [
  ...SECRET_HEADERS.flatMap((h) => [
    `headers["${h}"]`,
    `req.headers["${h}"]`,
    `res.headers["${h}"]`,
    `*.headers["${h}"]`,
  ]),
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`]),
];

export interface LoggerSettings {
  level: LogLevel;
  /** Human-readable lines (pino-pretty), only where it is installed. JSON otherwise. */
  pretty?: boolean;
  /** Where lines go instead of stdout (tests capture them). */
  destination?: DestinationStream;
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    serializers: { err: pino.stdSerializers.err },
  };
  if (settings.destination) return pino(options, settings.destination);
  // pino-pretty is a dev dependency: production installs (npm ci --omit=dev) lack it,
  // and then the lines stay JSON rather than the start failing.
  if (settings.pretty && prettyInstalled()) {
    return pino({ ...options, transport: { target: "pino-pretty", options: { colorize: true } } });
  }
  return pino(options);
}

function prettyInstalled(): boolean {
  try {
    createRequire(`${process.cwd()}/`).resolve("pino-pretty");
    return true;
  } catch {
    return false;
  }
}

// One logger per process, shared through globalThis: the custom server (tsx) and the
// Next.js bundle are separate module graphs in one process (as lib/app/context explains).
const KEY = Symbol.for("x402-credits.logger");
type Holder = { [KEY]?: Logger };

/**
 * The process's logger. Until `installLogger` runs (the server does at start, from its
 * config) it is built from LOG_LEVEL and NODE_ENV as found, so `next dev` and scripts log too.
 */
export function log(): Logger {
  const holder = globalThis as Holder;
  holder[KEY] ??= createLogger(settingsFromEnv(process.env));
  return holder[KEY];
}

export function installLogger(logger: Logger): void {
  (globalThis as Holder)[KEY] = logger;
}

function settingsFromEnv(env: Record<string, string | undefined>): LoggerSettings {
  const wanted = env.LOG_LEVEL;
  const level = LOG_LEVELS.find((l) => l === wanted) ?? "info";
  return { level, pretty: env.NODE_ENV === "development" };
}
