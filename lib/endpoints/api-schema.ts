import { z } from "zod";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;

const fieldSchema = z.object({
  name: z.string().min(1).max(100),
  type: z.string().min(1).max(50).optional(),
  required: z.boolean().optional(),
  description: z.string().max(500).optional(),
});

export const routeSchema = z
  .object({
    path: z
      .string()
      .regex(/^\/[A-Za-z0-9._~\-/{}]*$/, "must start with / and use {name} for parameters")
      .max(200),
    method: z
      .string()
      .transform((m) => m.toUpperCase())
      .pipe(z.enum(METHODS)),
    summary: z.string().max(500).optional(),
    credits: z.number().int().positive().max(1_000_000_000).optional(),
    /** Charged what the origin reports in x-credits-used, at most `credits` (reserved first). */
    metered: z.boolean().optional(),
    parameters: z.array(fieldSchema).max(50).optional(),
    requestBody: z
      .object({ contentType: z.string().max(100), fields: z.array(fieldSchema).max(50) })
      .optional(),
  })
  .refine((r) => !r.metered || r.credits !== undefined, {
    message: "a metered route needs credits: the most one call may cost",
    path: ["credits"],
  });

/** What a provider declares about its API: shown to agents in the 402, and priced per route. */
export const apiSchemaSchema = z.object({
  version: z.literal(1).default(1),
  routes: z.array(routeSchema).max(200),
});

export type ApiSchema = z.infer<typeof apiSchemaSchema>;

export interface CompiledRoute {
  method: string;
  /** Case-insensitive; one capture per `{param}` and a last one for a trailing `/`. */
  pattern: RegExp;
  /** The declared path split into literals and `{param}`s, to rebuild its own spelling. */
  parts: string[];
  credits: bigint | undefined;
  metered: boolean;
}

const PARAM = /^\{[^/}]+\}$/;

/** `/items/{id}` → a regex matching one path segment per parameter. */
export function compileRoutes(schema: ApiSchema | null): CompiledRoute[] {
  if (!schema) return [];
  return schema.routes.map((r) => {
    const parts = r.path.replace(/\/+$/, "").split(/(\{[^/}]+\})/);
    return {
      method: r.method,
      pattern: new RegExp(
        `^${parts.map((part) => (PARAM.test(part) ? "([^/]+)" : escapeRegex(part))).join("")}(/?)$`,
        "i",
      ),
      parts,
      credits: r.credits === undefined ? undefined : BigInt(r.credits),
      metered: r.metered === true,
    };
  });
}

export interface PricedCall {
  /** The cost, or for a metered call the most it may cost (reserved before the call). */
  credits: bigint;
  metered: boolean;
  /** The path to forward: a matched route's own spelling, so the origin serves what was priced. */
  path: string;
}

/**
 * What a call costs, and the path it is forwarded with. Routes match case-insensitively
 * (Express, ASP.NET and others route that way, so `/EXPENSIVE` must cost what `/expensive`
 * costs), and a matching call is forwarded in the route's declared spelling with the
 * caller's parameter values: whatever the origin's own case rules, it serves the route that
 * was priced. HEAD is priced as GET unless a HEAD route is declared (origins answer HEAD
 * by running GET). The first declared route that matches and carries a cost wins.
 */
export function priceCall(
  routes: CompiledRoute[],
  method: string,
  path: string,
  creditsPerCall: bigint,
  meteredCalls = false,
): PricedCall {
  const methods = method === "HEAD" ? ["HEAD", "GET"] : [method];
  for (const wanted of methods) {
    for (const route of routes) {
      if (route.credits === undefined || route.method !== wanted) continue;
      const match = route.pattern.exec(path);
      if (match)
        return { credits: route.credits, metered: route.metered, path: spell(route.parts, match) };
    }
  }
  return { credits: creditsPerCall, metered: meteredCalls, path };
}

function spell(parts: string[], match: RegExpExecArray): string {
  let group = 1;
  const path = parts.map((part) => (PARAM.test(part) ? match[group++] : part)).join("");
  return `${path}${match[group] ?? ""}` || "/";
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
