import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import { nodeBodyOfResponse, requestOverNodeStream } from "./node-body";

/** A Web Request over a Node request; the body is streamed, never buffered. */
export function toWebRequest(req: IncomingMessage, origin: string): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2)
    headers.append(raw[i] as string, raw[i + 1] as string);
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  const url = `${origin}${req.url ?? "/"}`;
  return hasBody
    ? requestOverNodeStream(req, url, { method, headers })
    : new Request(url, { method, headers });
}

/**
 * Writes a Web Response to a Node response, streaming the body with backpressure. Resolves
 * when the response is finished or the client went away (the body's source is then
 * cancelled). Hand-rolled rather than `stream.pipeline`, whose per-call AbortController
 * and DOMException were ~5% of the gateway's CPU.
 */
export async function sendWebResponse(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  const cookies = response.headers.getSetCookie();
  for (const [name, value] of response.headers) {
    // Vary adds to what the server already set (CORS's `Vary: Origin`), as Next's door does.
    if (name === "vary") res.appendHeader(name, value);
    else if (name !== "set-cookie") res.setHeader(name, value);
  }
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  const node = nodeBodyOfResponse(response);
  if (node) return pipeNode(node, res);
  if (!response.body) {
    res.end();
    return;
  }
  await pumpWeb(response.body, res);
}

function pipeNode(body: Readable, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    res.once("close", () => {
      if (!body.readableEnded) body.destroy();
      resolve();
    });
    body.once("error", (err) => res.destroy(err));
    body.pipe(res);
  });
}

async function pumpWeb(body: ReadableStream<Uint8Array>, res: ServerResponse): Promise<void> {
  const reader = body.getReader();
  let closed = false;
  let wake: (() => void) | undefined;
  const onClose = () => {
    closed = true;
    wake?.();
    reader.cancel().catch(() => {});
  };
  const onDrain = () => wake?.();
  res.once("close", onClose);
  res.on("drain", onDrain);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || closed) break;
      if (!res.write(value) && !closed) await new Promise<void>((r) => (wake = r));
      if (closed) break;
    }
    if (!closed) res.end();
  } catch (err) {
    res.destroy(err instanceof Error ? err : undefined);
  } finally {
    res.off("close", onClose);
    res.off("drain", onDrain);
  }
}
