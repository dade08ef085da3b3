import type { ApiSchema, CompiledRoute } from "./api-schema";

/** One declared route of an endpoint's api_schema. */
export type ApiRoute = ApiSchema["routes"][number];
export type ApiField = NonNullable<ApiRoute["parameters"]>[number];
export type JsonSchema = Record<string, unknown>;

const JSON_TYPES = new Set(["string", "number", "integer", "boolean", "array", "object"]);
// What providers commonly write for a JSON type.
const ALIASES: Record<string, string> = {
  int: "integer",
  long: "integer",
  float: "number",
  double: "number",
  decimal: "number",
  bool: "boolean",
  str: "string",
  text: "string",
  list: "array",
  dict: "object",
  map: "object",
};

function jsonType(field: ApiField): string | undefined {
  const declared = field.type?.trim().toLowerCase();
  if (!declared) return undefined;
  return JSON_TYPES.has(declared) ? declared : ALIASES[declared];
}

/**
 * A declared field as JSON Schema: `type` when the declared type names a JSON type, else
 * the provider's own word for it (e.g. "uuid", "date") leads the description.
 */
export function fieldSchema(field: ApiField): JsonSchema {
  const type = jsonType(field);
  const words = [type || !field.type ? undefined : `(${field.type})`, field.description]
    .filter(Boolean)
    .join(" ");
  return { ...(type && { type }), ...(words && { description: words }) };
}

/** Fields as a JSON Schema object, `required` naming those declared required. */
export function objectSchema(fields: readonly ApiField[]): JsonSchema {
  const required = fields.filter((f) => f.required).map((f) => f.name);
  return {
    type: "object",
    properties: Object.fromEntries(fields.map((f) => [f.name, fieldSchema(f)])),
    ...(required.length > 0 && { required }),
  };
}

const PLACEHOLDER: Record<string, unknown> = {
  string: "",
  number: 0,
  integer: 0,
  boolean: false,
  array: [],
  object: {},
};

/** An example object with one placeholder value per field, of the field's JSON type. */
export function placeholderValues(fields: readonly ApiField[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f.name, PLACEHOLDER[jsonType(f) ?? "string"]]));
}

const PARAM = /\{([^/}]+)\}/g;

/**
 * A route's fields split by where they go: every `{name}` in the path is a path parameter
 * (described by the parameter of that name when declared), the other parameters are query
 * parameters, and `requestBody.fields` the body.
 */
export function routeFields(route: ApiRoute) {
  const declared = unique(route.parameters ?? []);
  const names = [...new Set([...route.path.matchAll(PARAM)].map((m) => m[1] as string))];
  const path = names.map(
    (name) => declared.find((f) => f.name === name) ?? { name, type: "string", required: true },
  );
  return {
    path: path.map((f) => ({ ...f, required: true })),
    query: declared.filter((f) => !names.includes(f.name)),
    body: unique(route.requestBody?.fields ?? []),
  };
}

/** A name declared twice is described once, by its first declaration. */
function unique(fields: readonly ApiField[]): ApiField[] {
  return fields.filter((f, i) => fields.findIndex((g) => g.name === f.name) === i);
}

/** `/items/{id}` → `/items/:id`, the route-template spelling x402 catalogs use. */
export function colonTemplate(path: string): string {
  return path.replace(PARAM, (_m, name: string) => `:${name}`);
}

export interface Cost {
  /** The price, or for a metered call the most it may cost. */
  credits: bigint;
  /** Charged what the origin reports (x-credits-used), at most `credits`. */
  metered: boolean;
}

/** What a call on a route costs, as the gateway prices it: its own credits, else per call. */
export function routeCost(
  route: ApiRoute,
  endpoint: { creditsPerCall: bigint; metered: boolean },
): Cost {
  return route.credits === undefined
    ? { credits: endpoint.creditsPerCall, metered: endpoint.metered }
    : { credits: BigInt(route.credits), metered: route.metered === true };
}

/** "1 credit", "5 credits", "up to 5 credits" (metered). */
export function describeCost(cost: Cost): string {
  const amount = `${cost.credits} credit${cost.credits === 1n ? "" : "s"}`;
  return cost.metered ? `up to ${amount}` : amount;
}

/**
 * The declared route a call matches (HEAD falls back to a GET route, as pricing does), with
 * or without a cost of its own. `compiled` is `compileRoutes(schema)`, index for index.
 */
export function findRoute(
  schema: ApiSchema | null,
  compiled: readonly CompiledRoute[],
  method: string,
  path: string,
): ApiRoute | undefined {
  if (!schema) return undefined;
  for (const wanted of method === "HEAD" ? ["HEAD", "GET"] : [method]) {
    const index = compiled.findIndex((r) => r.method === wanted && r.pattern.test(path));
    if (index !== -1) return schema.routes[index];
  }
  return undefined;
}

/**
 * One route per method and path (paths compared as the gateway matches them, ignoring
 * case): the one the gateway prices, i.e. the first that carries a cost, else the first.
 */
export function distinctRoutes(routes: readonly ApiRoute[]): ApiRoute[] {
  const chosen = new Map<string, ApiRoute>();
  for (const route of routes) {
    const key = `${route.method} ${route.path.toLowerCase()}`;
    const seen = chosen.get(key);
    if (!seen || (seen.credits === undefined && route.credits !== undefined))
      chosen.set(key, route);
  }
  return [...chosen.values()];
}
