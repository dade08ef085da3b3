/**
 * The demo API a fresh install sells: served by this same server under /api/demo so the
 * product can be tried end to end with nothing else running.
 */
export async function handleDemoOrigin(request: Request): Promise<Response> {
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
      body: request.method === "GET" || request.method === "HEAD" ? null : await request.text(),
      ...caller,
    });
  }
  if (route === "/analyze" && request.method === "POST") {
    const body = (await request.json().catch(() => null)) as { text?: unknown } | null;
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
