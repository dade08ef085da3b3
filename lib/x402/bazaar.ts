import {
  BAZAAR,
  bazaarResourceServerExtension,
  type DeclareDiscoveryExtensionInput,
  type DiscoveryExtension,
  declareDiscoveryExtension,
  isValidRouteTemplate,
} from "@x402/extensions/bazaar";
import {
  type ApiRoute,
  colonTemplate,
  objectSchema,
  placeholderValues,
  routeFields,
} from "@/lib/endpoints/route-fields";

const QUERY_METHODS = new Set(["GET", "HEAD", "DELETE"]);
const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

/**
 * The extension rides in every PAYMENT-REQUIRED and, echoed by clients, in every
 * PAYMENT-SIGNATURE, whose request headers this server caps at 16 KB: a route whose field
 * descriptions would take more is declared by method and path alone.
 */
const MAX_EXTENSION_BYTES = 3072;

export interface DiscoveredCall {
  method: string;
  /** Where it is called on this server, e.g. `/e/demo/items/{id}` (`{name}` parameters). */
  path: string;
  /** The declared route being called, when one matches: its fields describe the input. */
  route?: ApiRoute;
  /** The request's Content-Type, for a body no route describes. */
  contentType?: string | null;
  /** A body this server describes itself (none of a provider's routes). */
  body?: { example: Record<string, unknown>; schema: Record<string, unknown> };
  /** An example of the answer, when this server knows it. */
  output?: unknown;
}

function bodyType(contentType: string | null | undefined): "json" | "form-data" | "text" {
  const type = contentType?.toLowerCase() ?? "";
  if (type.includes("multipart/form-data") || type.includes("x-www-form-urlencoded"))
    return "form-data";
  if (type === "" || type.includes("json")) return "json";
  return "text";
}

function declaration(call: DiscoveredCall, detailed: boolean): DeclareDiscoveryExtensionInput {
  const fields = call.route && detailed ? routeFields(call.route) : undefined;
  const path = fields?.path.length
    ? { pathParams: placeholderValues(fields.path), pathParamsSchema: objectSchema(fields.path) }
    : {};
  const output = call.output === undefined ? {} : { output: { example: call.output } };
  if (BODY_METHODS.has(call.method)) {
    return {
      bodyType: bodyType(call.route?.requestBody?.contentType ?? call.contentType),
      input: call.body?.example ?? placeholderValues(fields?.body ?? []),
      inputSchema: call.body?.schema ?? objectSchema(fields?.body ?? []),
      ...path,
      ...output,
    };
  }
  return {
    input: placeholderValues(fields?.query ?? []),
    inputSchema: objectSchema(fields?.query ?? []),
    ...path,
    ...output,
  };
}

function build(call: DiscoveredCall, detailed: boolean): DiscoveryExtension {
  const declared = declareDiscoveryExtension(declaration(call, detailed))[BAZAAR.key];
  if (!declared) throw new Error("declareDiscoveryExtension declared no bazaar extension");
  // The library's own enrichment stamps the method into info and schema, as its resource
  // server does for each request.
  const enriched = (bazaarResourceServerExtension.enrichDeclaration?.(declared, {
    method: call.method,
    path: call.path,
    adapter: { getPath: () => call.path },
  }) ?? declared) as DiscoveryExtension;
  const template = colonTemplate(call.path);
  return isValidRouteTemplate(template) ? { ...enriched, routeTemplate: template } : enriched;
}

/**
 * The x402 Bazaar discovery extension (`extensions.bazaar`) for one call: method, input
 * (query or body, and path parameters) from the declared route, the answer's example when
 * known, and the route template on this server, which catalogs list as the resource. None
 * for methods Bazaar does not describe (OPTIONS, …).
 */
export function bazaarExtension(call: DiscoveredCall): Record<string, DiscoveryExtension> {
  if (!QUERY_METHODS.has(call.method) && !BODY_METHODS.has(call.method)) return {};
  let extension = build(call, true);
  if (JSON.stringify(extension).length > MAX_EXTENSION_BYTES) extension = build(call, false);
  return { [BAZAAR.key]: extension };
}
