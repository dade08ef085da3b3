import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
}

/**
 * A real origin API on loopback for gateway tests. Routes: /echo, /slow?ms=, /fail,
 * /upload (answers size + sha256 of the body), /download?mb= (streams zeros), and
 * /gated (sends 1 MB, then the rest only once `openGate()` is called), /big?kb= (a JSON-less
 * body of that many KiB), /reset-mid-body (headers and 1 KiB, then the connection is reset)
 * and /stall-mid-body (headers and 1 KiB, then silence).
 */
export async function startOrigin() {
  const seen: SeenRequest[] = [];
  let release: (() => void) | undefined;
  let gate = new Promise<void>((r) => (release = r));
  let firstUploadChunk: (() => void) | undefined;
  const uploadStarted = new Promise<void>((r) => (firstUploadChunk = r));

  const server: Server = createServer((req, res) => {
    // A caller that gave up (the gateway's timeout) leaves a destroyed request behind.
    handle(req, res).catch(() => res.destroy());
  });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    const url = new URL(req.url ?? "/", "http://origin");
    const path = url.pathname;
    if (path === "/slow")
      await new Promise((r) => setTimeout(r, Number(url.searchParams.get("ms"))));
    if (path === "/fail")
      return void res.writeHead(500, { "content-type": "text/plain" }).end("boom");
    if (path === "/upload") {
      const hash = createHash("sha256");
      let size = 0;
      for await (const chunk of req) {
        firstUploadChunk?.();
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      return void res.end(JSON.stringify({ size, sha256: hash.digest("hex") }));
    }
    if (path === "/metered") {
      const used = url.searchParams.get("used");
      return void res
        .writeHead(200, {
          "content-type": "text/plain",
          ...(used !== null && { "x-credits-used": used }),
        })
        .end("metered");
    }
    if (path === "/metered-stream") {
      // An SSE answer that reports its cost in a trailer, once it knows it.
      res.writeHead(200, { "content-type": "text/event-stream", trailer: "x-credits-used" });
      for (let i = 0; i < 3; i++) res.write(`data: token ${i}\n\n`);
      res.addTrailers({ "x-credits-used": url.searchParams.get("used") ?? "" });
      return void res.end();
    }
    if (path === "/big")
      return void res.end(Buffer.alloc(Number(url.searchParams.get("kb")) * 1024, 97));
    if (path === "/reset-mid-body" || path === "/stall-mid-body") {
      const used = url.searchParams.get("used");
      res.writeHead(200, {
        "content-type": "text/plain",
        "content-length": "65536",
        ...(used !== null && { "x-credits-used": used }),
      });
      res.write(Buffer.alloc(1024, 98));
      if (path === "/reset-mid-body") setTimeout(() => res.socket?.resetAndDestroy(), 50);
      return;
    }
    if (path === "/download" || path === "/gated") {
      const mb = Number(url.searchParams.get("mb") ?? 10);
      res.writeHead(200, { "content-type": "application/octet-stream" });
      const chunk = Buffer.alloc(1024 * 1024, 7);
      for (let i = 0; i < mb; i++) {
        if (!res.write(chunk)) await new Promise((r) => res.once("drain", r));
        if (i === 0 && path === "/gated") await gate;
      }
      return void res.end();
    }
    let body = "";
    for await (const chunk of req) body += chunk;
    res.writeHead(200, { "content-type": "application/json", "x-origin": "yes" });
    res.end(JSON.stringify({ method: req.method, url: req.url, body, headers: req.headers }));
  };
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    hits: () => seen.length,
    openGate: () => {
      release?.();
      gate = new Promise<void>((r) => (release = r));
    },
    uploadStarted,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export type Origin = Awaited<ReturnType<typeof startOrigin>>;
