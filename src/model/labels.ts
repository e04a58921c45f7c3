// Label sets and label matchers, the identity of every series in lineops: the TSDB, PromQL, the
// scrape and remote-write paths, rules and the engines that query them all speak these types.

/** A label set, including `__name__` for the metric name. Treat as immutable. */
export type Labels = Readonly<Record<string, string>>;

export type MatchType = "=" | "!=" | "=~" | "!~";

/** A label matcher as in PromQL; regexes are fully anchored, as in Prometheus. */
export type Matcher = { readonly type: MatchType; readonly name: string; readonly value: string };

/** A canonical string for a label set (sorted names), usable as a Map key. */
export function labelsKey(labels: Labels): string {
  return keyOf(labels, Object.keys(labels).sort(), false);
}

/**
 * labelsKey() of the labels named in `sortedNames` alone (PromQL's `by`/`on` groups), without
 * building that label set; a name whose value is empty or absent is left out, as PromQL treats an
 * empty label as a missing one.
 */
export function labelsKeyOf(labels: Labels, sortedNames: readonly string[]): string {
  return keyOf(labels, sortedNames, true);
}

/** labelsKey() of a label set without the names `drop` picks (PromQL's `ignoring`/`without`). */
export function labelsKeyWithout(labels: Labels, drop: (name: string) => boolean): string {
  return keyOf(
    labels,
    Object.keys(labels)
      .filter((n) => !drop(n))
      .sort(),
    false,
  );
}

function keyOf(labels: Labels, sortedNames: readonly string[], skipEmpty: boolean): string {
  let key = "";
  for (const n of sortedNames) {
    const v = labels[n];
    if (v === undefined || (skipEmpty && v === "")) {
      continue;
    }
    key += `${n}\u0000${v}\u0001`;
  }
  return key;
}

/**
 * Prometheus's labels.Compare (and Alertmanager's LabelSet.Before): label pairs in name order,
 * name then value, then the shorter set first.
 */
export function compareLabels(a: Labels, b: Labels): number {
  const an = Object.keys(a).sort();
  const bn = Object.keys(b).sort();
  const l = Math.min(an.length, bn.length);
  for (let i = 0; i < l; i++) {
    const x = an[i] as string;
    const y = bn[i] as string;
    if (x !== y) {
      return x < y ? -1 : 1;
    }
    const xv = a[x] as string;
    const yv = b[y] as string;
    if (xv !== yv) {
      return xv < yv ? -1 : 1;
    }
  }
  return an.length - bn.length;
}
