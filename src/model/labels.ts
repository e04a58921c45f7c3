// Label sets and label matchers, the identity of every series in lineops: the TSDB, PromQL, the
// scrape and remote-write paths, rules and the engines that query them all speak these types.

/** A label set, including `__name__` for the metric name. Treat as immutable. */
export type Labels = Readonly<Record<string, string>>;

export type MatchType = "=" | "!=" | "=~" | "!~";

/** A label matcher as in PromQL; regexes are fully anchored, as in Prometheus. */
export type Matcher = { readonly type: MatchType; readonly name: string; readonly value: string };

/** A canonical string for a label set (sorted names), usable as a Map key. */
export function labelsKey(labels: Labels): string {
  const names = Object.keys(labels).sort();
  let key = "";
  for (const n of names) {
    key += `${n}\u0000${labels[n]}\u0001`;
  }
  return key;
}
