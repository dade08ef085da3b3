import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";

// Requests whose body is a Node stream underneath: the gateway forwards that stream to the
// origin instead of converting Node → Web → Node on every request body.
const nodeBodies = new WeakMap<Request, Readable>();

/**
 * A Web body over a Node stream that converts only if something reads it as a Web stream;
 * the gateway's fast door forwards the Node stream itself.
 */
export function lazyWebBody(node: Readable): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  // highWaterMark 0: no pull until someone reads, or it would take the first chunk.
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        reader ??= (Readable.toWeb(node) as ReadableStream<Uint8Array>).getReader();
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel(reason) {
        node.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    new CountQueuingStrategy({ highWaterMark: 0 }),
  );
}

/** A Web body over a Node stream, converted eagerly. */
export function nodeToWeb(node: Readable): ReadableStream<Uint8Array> {
  return Readable.toWeb(node) as ReadableStream<Uint8Array>;
}

// Responses whose body is a Node stream underneath (the origin's answer): the fast door pipes
// it straight to the socket. Converting Node → Web → Node cost ~10% of the gateway's CPU.
const nodeResponseBodies = new WeakMap<Response, Readable>();

/** A Response over a Node stream; Next (or anyone) reading `body` gets a lazy Web stream. */
export function responseOverNodeStream(node: Readable | null, init: ResponseInit): Response {
  if (!node) return new Response(null, init);
  const response = new Response(lazyWebBody(node), init);
  nodeResponseBodies.set(response, node);
  return response;
}

export function nodeBodyOfResponse(response: Response): Readable | undefined {
  return response.bodyUsed ? undefined : nodeResponseBodies.get(response);
}

export function nodeBodyOf(request: Request): Readable | undefined {
  return request.bodyUsed ? undefined : nodeBodies.get(request);
}

/** Marks a Request whose body is `node` underneath (set by the custom server). */
export function requestOverNodeStream(node: Readable, url: string, init: RequestInit): Request {
  const request = new Request(url, {
    ...init,
    body: lazyWebBody(node),
    duplex: "half",
  } as RequestInit);
  nodeBodies.set(request, node);
  return request;
}

export function webToNode(body: ReadableStream<Uint8Array>): Readable {
  return Readable.fromWeb(body as NodeReadableStream<Uint8Array>);
}
