import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

/** What the proxy does to one JSON-RPC call instead of relaying it faithfully. */
export type RpcFault =
  /** Forward to the node, then close the socket: the call happened, its answer is lost. */
  | { kind: "drop-answer" }
  /** Close the socket without forwarding: the node never sees the call. */
  | { kind: "refuse" }
  /** Answer a JSON-RPC error without forwarding (default -32603, a node-side failure). */
  | { kind: "error"; code?: number; message?: string }
  /** Answer an HTTP error status without forwarding (a provider's 5xx). */
  | { kind: "http-error"; status: number; body?: string }
  /** Forward, and answer `ms` later. */
  | { kind: "delay"; ms: number }
  /** Forward, and replace the node's result with `result`. */
  | { kind: "corrupt"; result: unknown };

interface Rule {
  /** A JSON-RPC method, or "*" for every method. */
  method: string;
  fault: RpcFault;
  /** Calls of `method` to let through untouched before the fault applies. */
  skip: number;
  /** How many calls the fault applies to (Infinity: until cleared). */
  times: number;
}

interface RpcCall {
  jsonrpc: "2.0";
  id: number | string | null;
  method: string;
  params?: unknown[];
}

/**
 * A JSON-RPC proxy in front of a real node (anvil) for fault injection: per method and per
 * occurrence it drops the answer after forwarding, refuses, errors, delays or corrupts it.
 * Everything else is relayed unchanged. It counts every call by method.
 */
export async function startRpcProxy(upstream: string) {
  const rules: Rule[] = [];
  const counts = new Map<string, number>();
  const log: { method: string; fault?: RpcFault["kind"] }[] = [];

  const forward = async (call: RpcCall | RpcCall[]): Promise<unknown> => {
    const res = await fetch(upstream, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(call),
    });
    return res.json();
  };

  /** The fault for this call, consuming one occurrence of its rule. */
  const faultFor = (method: string): RpcFault | undefined => {
    for (const rule of rules) {
      if (rule.method !== "*" && rule.method !== method) continue;
      if (rule.skip > 0) {
        rule.skip--;
        continue;
      }
      if (rule.times <= 0) continue;
      rule.times--;
      return rule.fault;
    }
    return undefined;
  };

  /** One call's answer, or "drop" when the socket must be closed instead. */
  const handleCall = async (call: RpcCall): Promise<unknown | "drop"> => {
    counts.set(call.method, (counts.get(call.method) ?? 0) + 1);
    const fault = faultFor(call.method);
    log.push({ method: call.method, fault: fault?.kind });
    if (!fault) return forward(call);
    switch (fault.kind) {
      case "refuse":
        return "drop";
      case "drop-answer":
        await forward(call);
        return "drop";
      case "error":
        return {
          jsonrpc: "2.0",
          id: call.id,
          error: { code: fault.code ?? -32603, message: fault.message ?? "injected failure" },
        };
      case "delay": {
        const answer = await forward(call);
        await new Promise((r) => setTimeout(r, fault.ms));
        return answer;
      }
      case "corrupt": {
        const answer = (await forward(call)) as Record<string, unknown>;
        return { ...answer, result: fault.result };
      }
      case "http-error":
        throw Object.assign(new Error("http-error"), { fault });
    }
  };

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: RpcCall | RpcCall[];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      res.writeHead(400).end();
      return;
    }
    try {
      const calls = Array.isArray(body) ? body : [body];
      const answers = await Promise.all(calls.map(handleCall));
      if (answers.includes("drop")) {
        res.socket?.destroy();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(Array.isArray(body) ? answers : answers[0]));
    } catch (err) {
      const fault = (err as { fault?: Extract<RpcFault, { kind: "http-error" }> }).fault;
      if (fault) res.writeHead(fault.status).end(fault.body ?? "upstream failure");
      else res.socket?.destroy();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    /** Applies `fault` to calls of `method`: after `skip` clean ones, `times` of them. */
    inject(method: string, fault: RpcFault, opts: { skip?: number; times?: number } = {}) {
      rules.push({ method, fault, skip: opts.skip ?? 0, times: opts.times ?? 1 });
    },
    /** Removes every fault: from now on the proxy relays faithfully. */
    clear() {
      rules.length = 0;
    },
    /** Whether every injected fault has been used up. */
    spent: () => rules.every((r) => r.times <= 0 || r.times === Number.POSITIVE_INFINITY),
    calls: (method: string) => counts.get(method) ?? 0,
    log: () => [...log],
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export type RpcProxy = Awaited<ReturnType<typeof startRpcProxy>>;
