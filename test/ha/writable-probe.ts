import postgres from "postgres";
import type { FormationNode } from "./formation";

/** When the formation had a host accepting writes, and which. */
export interface WritableSample {
  at: number;
  writable: string | null;
}

/**
 * Asks every node, every `everyMs`, whether it accepts writes, on a fresh single-host
 * connection each time (no driver failover logic in the way). The outage the app must
 * survive is the span with no writable node.
 */
export function watchWritable(
  nodes: FormationNode[],
  url: (node: FormationNode) => string,
  everyMs = 100,
) {
  const samples: WritableSample[] = [];
  let running = true;
  const ask = async (node: FormationNode): Promise<boolean> => {
    const sql = postgres(url(node), {
      max: 1,
      connect_timeout: 1,
      fetch_types: false,
      onnotice: () => {},
    });
    try {
      const [row] = await Promise.race([
        sql<{ ro: string }[]>`select current_setting('transaction_read_only') as ro`,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error("slow")), 1_000)),
      ]);
      return row?.ro === "off";
    } catch {
      return false;
    } finally {
      void sql.end({ timeout: 1 }).catch(() => {});
    }
  };
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      const answers = await Promise.all(nodes.map(ask));
      samples.push({ at: started, writable: nodes.find((_, i) => answers[i])?.name ?? null });
      await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (Date.now() - started))));
    }
  })();
  return {
    samples,
    async stop() {
      running = false;
      await loop;
    },
  };
}

/**
 * From `from` on: the first sample where no node accepted writes, and the first after it
 * where `primary` did (the killed node's keeper may restart it briefly before it is demoted).
 */
export function noWriterSpan(samples: WritableSample[], from: number, primary?: string) {
  const after = samples.filter((s) => s.at >= from);
  const start = after.find((s) => s.writable === null);
  if (!start) return undefined;
  const back = after.find(
    (s) => s.at > start.at && s.writable !== null && (!primary || s.writable === primary),
  );
  return { start: start.at, end: back?.at };
}

/** Each change of writer after `from`, as "+1.2 s node2". */
export function writerTimeline(samples: WritableSample[], from: number): string[] {
  const changes: string[] = [];
  let last: string | null | undefined;
  for (const s of samples) {
    if (s.at < from || s.writable === last) continue;
    last = s.writable;
    changes.push(`+${((s.at - from) / 1000).toFixed(1)} s ${s.writable ?? "none"}`);
  }
  return changes;
}
