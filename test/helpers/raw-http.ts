import http from "node:http";

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * One request with exactly this path and these headers: fetch and `new URL` would resolve
 * dot segments, turn `\` into `/` and drop hop-by-hop headers before the server saw them.
 */
export function rawRequest(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawAnswer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, method, path, headers, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * A chunked upload the test feeds by hand (trickle, flood, hang up). `answer` settles with
 * the server's response, or with status 0 if the connection died first.
 */
export function openUpload(base: string, path: string, headers: Record<string, string> = {}) {
  const { hostname, port } = new URL(base);
  const req = http.request({
    hostname,
    port,
    method: "POST",
    path,
    headers: { "transfer-encoding": "chunked", ...headers },
    agent: false,
  });
  let closed = false;
  const answer = new Promise<RawAnswer>((resolve) => {
    req.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
      );
      res.on("error", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
      );
    });
    req.on("error", () => resolve({ status: 0, headers: {}, body: "" }));
    req.on("close", () => {
      closed = true;
      setTimeout(() => resolve({ status: 0, headers: {}, body: "" }), 50);
    });
  });
  req.flushHeaders();
  return {
    answer,
    get closed() {
      return closed;
    },
    /** Writes, waiting for the socket to drain: the client never buffers much itself. */
    write(chunk: Uint8Array): Promise<boolean> {
      if (closed || req.destroyed) return Promise.resolve(false);
      if (req.write(chunk)) return Promise.resolve(true);
      return new Promise((r) => {
        const done = (ok: boolean) => {
          req.off("drain", onDrain);
          req.off("close", onClose);
          r(ok);
        };
        const onDrain = () => done(true);
        const onClose = () => done(false);
        req.once("drain", onDrain);
        req.once("close", onClose);
      });
    },
    end: () => req.end(),
    destroy: () => req.destroy(),
  };
}

/** Feeds `total` bytes in `chunk`-sized pieces (the same buffer again and again). */
export async function flood(
  upload: ReturnType<typeof openUpload>,
  total: number,
  chunk = 64 * 1024,
) {
  const piece = new Uint8Array(chunk).fill(120);
  let sent = 0;
  while (sent < total && (await upload.write(piece))) sent += chunk;
  if (sent >= total) upload.end();
  return sent;
}

/** Resident memory of this process (app and client share it in the HTTP tests), sampled. */
export function rssPeak() {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      return { start, growthMb: (Math.max(peak, process.memoryUsage().rss) - start) / 2 ** 20 };
    },
  };
}
