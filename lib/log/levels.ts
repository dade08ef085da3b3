/** pino's levels, most severe first; `silent` writes nothing. Kept apart from pino for the config. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
