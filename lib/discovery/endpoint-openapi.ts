import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
} from "zod-openapi";
import type { ResolvedEndpoint } from "@/lib/endpoints/resolved";
import {
  type ApiRoute,
  type Cost,
  describeCost,
  distinctRoutes,
  fieldSchema,
  objectSchema,
  routeCost,
  routeFields,
} from "@/lib/endpoints/route-fields";
import { formatUsdc } from "@/lib/money";
import { packView } from "@/lib/x402/challenge";
import { gatewayHeaders, gatewayResponses, walletTokenScheme } from "./gateway-doc";

type Method = "get" | "put" | "post" | "delete" | "options" | "head" | "patch";

function operation(
  route: ApiRoute,
  cost: Cost,
  walletAuth: ResolvedEndpoint["walletAuth"],
  operationId: string,
): ZodOpenApiOperationObject {
  const fields = routeFields(route);
  const proof =
    walletAuth === "signed"
      ? " This endpoint wants proof of the wallet: SIGN-IN-WITH-X, or Authorization: Bearer <wallet token>."
      : "";
  return {
    operationId,
    summary: route.summary ?? `${route.method} ${route.path}`,
    description: `Costs ${describeCost(cost)} per call, debited from the caller's balance on this endpoint (x-credits-charged says what was).${cost.metered ? " Metered: the most a call may cost is reserved, the provider reports what it used, the rest is given back." : ""}${proof}`,
    "x-credits": Number(cost.credits),
    ...(cost.metered && { "x-credits-metered": true }),
    parameters: [
      ...fields.path.map((f) => ({
        in: "path" as const,
        name: f.name,
        required: true,
        schema: fieldSchema(f),
      })),
      ...fields.query.map((f) => ({
        in: "query" as const,
        name: f.name,
        required: f.required ?? false,
        schema: fieldSchema(f),
      })),
      ...gatewayHeaders,
    ],
    ...(route.requestBody && {
      requestBody: {
        required: true,
        content: { [route.requestBody.contentType]: { schema: objectSchema(fields.body) } },
      },
    }),
    responses: gatewayResponses,
  };
}

/** When no routes are declared, any path and method is served at the per-call price. */
function anyPath(): ApiRoute[] {
  const methods = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
  return ["/", "/{path}"].flatMap((path) =>
    methods.map((method) => ({
      path,
      method,
      summary: `${method} ${path === "/" ? "/" : "any path"}`,
    })),
  );
}

function paths(endpoint: ResolvedEndpoint): ZodOpenApiPathsObject {
  const routes = endpoint.apiSchema?.routes.length
    ? distinctRoutes(endpoint.apiSchema.routes)
    : anyPath();
  const result: ZodOpenApiPathsObject = {};
  routes.forEach((route, index) => {
    const cost = routeCost(route, endpoint);
    result[route.path] = {
      ...result[route.path],
      [route.method.toLowerCase() as Method]: operation(
        route,
        cost,
        endpoint.walletAuth,
        `route${index}${route.method}`,
      ),
    };
  });
  return result;
}

/**
 * One endpoint's API as OpenAPI 3.1, from its api_schema: each declared route with its
 * credit cost (`x-credits`), served through this gateway (servers: PUBLIC_URL/e/SLUG), with
 * the gateway's headers and answers (the 402 included).
 */
export function endpointOpenApi(publicUrl: string, endpoint: ResolvedEndpoint) {
  const packs = endpoint.packs.map(
    (p) => `${p.name} (${p.id}): ${p.credits} credits for ${formatUsdc(p.price)} USDC`,
  );
  const declared = (endpoint.apiSchema?.routes.length ?? 0) > 0;
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: endpoint.name,
      version: "1",
      description: [
        endpoint.description,
        `Paid with prepaid credits: ${declared ? "each route's cost is its `x-credits`; a path no route declares costs" : "every call costs"} ${describeCost({ credits: endpoint.creditsPerCall, metered: endpoint.metered })}. Send your wallet in x-wallet-address (or sign in with SIGN-IN-WITH-X). Balance: GET ${publicUrl}/api/credits/balance?endpoint=${endpoint.slug}. With too few credits the answer is a 402 (x402): pay it with any x402 client to buy ${endpoint.defaultPack ? `the ${endpoint.defaultPack.name} pack` : "a pack"}.`,
        packs.length > 0 ? `Packs: ${packs.join("; ")}.` : "",
      ]
        .filter(Boolean)
        .join("\n\n"),
    },
    servers: [{ url: `${publicUrl}/e/${endpoint.slug}` }],
    "x-x402-credits": {
      endpoint: endpoint.slug,
      creditsPerCall: Number(endpoint.creditsPerCall),
      metered: endpoint.metered,
      walletAuth: endpoint.walletAuth,
      defaultPack: endpoint.defaultPack?.id ?? null,
      balanceUrl: `${publicUrl}/api/credits/balance?endpoint=${endpoint.slug}`,
      packs: endpoint.packs.map((p) => packView(publicUrl, endpoint.slug, p)),
    },
    paths: paths(endpoint),
    components: { securitySchemes: { walletToken: walletTokenScheme } },
    security: [{}, { walletToken: [] }],
  });
}
