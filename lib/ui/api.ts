/** An API error answer ({"error": {"code", "message"}}) as a thrown value. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** fetch + JSON for our own API; non-2xx answers throw ApiFailure with the server's message. */
export async function api<T>(path: string, init: RequestInit & { json?: unknown } = {}) {
  const { json, ...rest } = init;
  const res = await fetch(path, {
    ...rest,
    headers: {
      ...(json !== undefined && { "content-type": "application/json" }),
      ...(rest.headers as Record<string, string>),
    },
    body: json === undefined ? rest.body : JSON.stringify(json),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string } }).error ?? {};
    throw new ApiFailure(
      res.status,
      err.code ?? "http_error",
      err.message ?? `HTTP ${res.status}`,
      err as Record<string, unknown>,
    );
  }
  return body as T;
}
