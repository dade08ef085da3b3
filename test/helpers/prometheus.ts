import parsePrometheusTextFormat, { type PrometheusFamily } from "parse-prometheus-text-format";

/** A /metrics answer parsed by a Prometheus text-format parser, with lookups by name and labels. */
export function parseMetrics(text: string) {
  const families = new Map<string, PrometheusFamily>();
  for (const family of parsePrometheusTextFormat(text)) families.set(family.name, family);
  const samples = (name: string, labels: Record<string, string>) => {
    const family = families.get(name);
    if (!family) throw new Error(`no metric family ${name}`);
    return family.metrics.filter((m) =>
      Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
    );
  };
  return {
    families,
    typeOf: (name: string) => families.get(name)?.type,
    /** The sum of the matching samples' values (counters, gauges); 0 when none match. */
    value: (name: string, labels: Record<string, string> = {}) =>
      samples(name, labels).reduce((sum, m) => sum + Number(m.value ?? 0), 0),
    /** The sum of the matching histogram series' counts. */
    count: (name: string, labels: Record<string, string> = {}) =>
      samples(name, labels).reduce((sum, m) => sum + Number(m.count ?? 0), 0),
  };
}

export type ParsedMetrics = ReturnType<typeof parseMetrics>;
