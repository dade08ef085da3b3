import { errorResponse } from "@/lib/http/errors";
import { readBody } from "@/lib/http/json-body";

/**
 * The demo API a fresh install sells: served by this same server under /api/demo so the
 * product can be tried end to end with nothing else running. Bodies over 64 KiB → 413.
 */
export async function handleDemoOrigin(request: Request): Promise<Response> {
  try {
    return await serveDemo(request);
  } catch (err) {
    return errorResponse(err);
  }
}

async function serveDemo(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const route = url.pathname.replace(/^\/api\/demo/, "") || "/";
  const caller = {
    wallet: request.headers.get("x-wallet-address"),
    viaGateway: request.headers.has("x-api-key"),
  };
  if (route === "/echo") {
    return Response.json({
      method: request.method,
      path: route,
      query: Object.fromEntries(url.searchParams),
      body:
        request.method === "GET" || request.method === "HEAD"
          ? null
          : (await readBody(request)).toString("utf8"),
      ...caller,
    });
  }
  if (route === "/analyze" && request.method === "POST") {
    const text = (await readBody(request)).toString("utf8");
    const body = parseJson(text) as { text?: unknown } | null;
    if (typeof body?.text !== "string") {
      return Response.json(
        { error: { code: "invalid_field", message: 'Body must be JSON with a "text" string.' } },
        { status: 422 },
      );
    }
    return Response.json({ ...analyze(body.text), ...caller });
  }
  return Response.json(
    { error: { code: "not_found", message: `The demo API has no ${request.method} ${route}.` } },
    { status: 404 },
  );
}

const POSITIVE = new Set(["good", "great", "love", "excellent", "happy", "nice", "fast"]);
const NEGATIVE = new Set(["bad", "awful", "hate", "terrible", "sad", "slow", "broken"]);

function analyze(text: string) {
  const words = text.toLowerCase().match(/[a-z']+/g) ?? [];
  const score = words.reduce((s, w) => s + (POSITIVE.has(w) ? 1 : NEGATIVE.has(w) ? -1 : 0), 0);
  return {
    words: words.length,
    characters: text.length,
    sentiment: score > 0 ? "positive" : score < 0 ? "negative" : "neutral",
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
