import { z } from "zod";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;

const fieldSchema = z.object({
  name: z.string().min(1).max(100),
  type: z.string().min(1).max(50).optional(),
  required: z.boolean().optional(),
  description: z.string().max(500).optional(),
});

export const routeSchema = z.object({
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
  parameters: z.array(fieldSchema).max(50).optional(),
  requestBody: z
    .object({ contentType: z.string().max(100), fields: z.array(fieldSchema).max(50) })
    .optional(),
});

/** What a provider declares about its API: shown to agents in the 402, and priced per route. */
export const apiSchemaSchema = z.object({
  version: z.literal(1).default(1),
  routes: z.array(routeSchema).max(200),
});

export type ApiSchema = z.infer<typeof apiSchemaSchema>;

export interface CompiledRoute {
  method: string;
  pattern: RegExp;
  credits: bigint | undefined;
}

/** `/items/{id}` → a regex matching one path segment per parameter. */
export function compileRoutes(schema: ApiSchema | null): CompiledRoute[] {
  if (!schema) return [];
  return schema.routes.map((r) => ({
    method: r.method,
    pattern: new RegExp(
      `^${r.path
        .replace(/\/+$/, "")
        .split(/(\{[^/}]+\})/)
        .map((part) => (/^\{[^/}]+\}$/.test(part) ? "[^/]+" : escapeRegex(part)))
        .join("")}/?$`,
    ),
    credits: r.credits === undefined ? undefined : BigInt(r.credits),
  }));
}

/** The credits a call costs: the first declared route that matches and carries a cost. */
export function costOf(
  routes: CompiledRoute[],
  method: string,
  path: string,
  creditsPerCall: bigint,
): bigint {
  for (const route of routes) {
    if (route.credits !== undefined && route.method === method && route.pattern.test(path)) {
      return route.credits;
    }
  }
  return creditsPerCall;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
