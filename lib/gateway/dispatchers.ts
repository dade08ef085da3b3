import { Agent } from "undici";
import { guardedConnector, type ResolveAll } from "@/lib/net/guarded-connect";

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * One keep-alive pool per endpoint (reconnecting per call would cost more than the whole
 * ledger round trip), each with its own connection cap: the calls of one endpoint, however
 * slow, never take the connections another endpoint on the same origin host needs.
 */
export class OriginDispatchers {
  private readonly agents = new Map<string, Agent>();

  constructor(private readonly opts: { connectionsPerEndpoint: number; resolve?: ResolveAll }) {}

  /** The pool for an endpoint; `allowPrivate` off means every socket is checked (SSRF). */
  for(endpointId: number, allowPrivate: boolean): Agent {
    const key = `${endpointId}:${allowPrivate}`;
    let agent = this.agents.get(key);
    if (!agent) {
      agent = new Agent({
        keepAliveTimeout: 30_000,
        connections: this.opts.connectionsPerEndpoint,
        connect: allowPrivate
          ? { timeout: CONNECT_TIMEOUT_MS }
          : guardedConnector({ timeout: CONNECT_TIMEOUT_MS, resolve: this.opts.resolve }),
      });
      this.agents.set(key, agent);
    }
    return agent;
  }

  async close(): Promise<void> {
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(agents.map((a) => a.destroy()));
  }
}
