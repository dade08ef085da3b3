import type { Database } from "@/db";
import type { SecretBox } from "@/lib/crypto/secret-box";
import { loadResolvedEndpoint, type ResolvedEndpoint } from "./resolved";

interface Entry {
  value: Promise<ResolvedEndpoint | null>;
  expires: number;
}

/**
 * Endpoint configuration held in process, so the hot path does no lookup query. Every
 * instance LISTENs to `endpoint_changed` (sent by triggers on endpoints and packs) and drops
 * the changed entry at once; the TTL only bounds staleness if a notification is ever lost
 * (e.g. while the listening connection reconnects). Unknown slugs are cached briefly too.
 */
export class EndpointCache {
  private readonly entries = new Map<string, Entry>();
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly database: Database,
    private readonly box: SecretBox,
    private readonly ttlMs = 30_000,
    private readonly missTtlMs = 1_000,
  ) {}

  async start(): Promise<void> {
    this.unlisten = await this.database.listen("endpoint_changed", (payload) =>
      this.invalidate(Number(payload)),
    );
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
  }

  get(slug: string): Promise<ResolvedEndpoint | null> {
    const now = Date.now();
    const hit = this.entries.get(slug);
    if (hit && hit.expires > now) return hit.value;
    const value = loadResolvedEndpoint(this.database.db, slug, this.box);
    const entry = { value, expires: now + this.ttlMs };
    this.entries.set(slug, entry);
    value.then(
      (endpoint) => {
        if (!endpoint && this.entries.get(slug) === entry) entry.expires = now + this.missTtlMs;
      },
      () => this.entries.get(slug) === entry && this.entries.delete(slug),
    );
    return value;
  }

  /** Drops one endpoint (by id) and every cached miss, which a new endpoint may fill. */
  invalidate(endpointId?: number): void {
    for (const [slug, entry] of this.entries) {
      void entry.value.then(
        (endpoint) => {
          const stale = !endpoint || endpointId === undefined || endpoint.id === endpointId;
          if (stale && this.entries.get(slug) === entry) this.entries.delete(slug);
        },
        () => {},
      );
    }
  }
}
