import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { requestOverNodeStream, webToNode } from "./node-body";

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

/** Writes a Web Response to a Node response, streaming the body with backpressure. */
export async function sendWebResponse(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  const cookies = response.headers.getSetCookie();
  for (const [name, value] of response.headers) {
    if (name !== "set-cookie") res.setHeader(name, value);
  }
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  if (!response.body) {
    res.end();
    return;
  }
  await pipeline(webToNode(response.body), res);
}
