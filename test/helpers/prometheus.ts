import parsePrometheusTextFormat, { type PrometheusFamily } from "parse-prometheus-text-format";

/** Families by name; an untyped name seen in several runs of lines is one family. */
function byName(families: PrometheusFamily[]): Map<string, PrometheusFamily> {
  const map = new Map<string, PrometheusFamily>();
  for (const f of families) {
    const seen = map.get(f.name);
    if (seen) seen.metrics.push(...f.metrics);
    else map.set(f.name, { ...f, metrics: [...f.metrics] });
  }
  return map;
}

/**
 * A /metrics answer parsed by a Prometheus text-format parser, with lookups by name and
 * labels. parse-prometheus-text-format 1.1.1 merges the series of a labelled histogram into
 * one and drops their labels (its open issue #13), so histograms are read a second time
 * with their TYPE line removed: each `_count` line is then a plain labelled sample.
 */
export function parseMetrics(text: string) {
  const families = byName(parsePrometheusTextFormat(text));
  const untyped = byName(parsePrometheusTextFormat(text.replace(/^# TYPE \S+ histogram\n/gm, "")));
  const samples = (
    from: Map<string, PrometheusFamily>,
    name: string,
    labels: Record<string, string>,
  ) => {
    const family = from.get(name);
    if (!family) throw new Error(`no metric family ${name}`);
    return family.metrics.filter((m) =>
      Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
    );
  };
  const sum = (list: { value?: string }[]) => list.reduce((s, m) => s + Number(m.value ?? 0), 0);
  return {
    families,
    typeOf: (name: string) => families.get(name)?.type,
    /** The sum of the matching samples' values (counters, gauges); 0 when none match. */
    value: (name: string, labels: Record<string, string> = {}) =>
      sum(samples(families, name, labels)),
    /** The sum of the matching histogram series' observation counts. */
    count: (name: string, labels: Record<string, string> = {}) => {
      if (families.get(name)?.type !== "HISTOGRAM") throw new Error(`no histogram ${name}`);
      // A labelled histogram that observed nothing yet has no series at all.
      return untyped.has(`${name}_count`) ? sum(samples(untyped, `${name}_count`, labels)) : 0;
    },
    /** The label values a histogram's series carry under `label`. */
    labelValues: (name: string, label: string) =>
      (untyped.get(`${name}_count`)?.metrics ?? []).map((m) => m.labels?.[label] ?? ""),
  };
}

export type ParsedMetrics = ReturnType<typeof parseMetrics>;
