// Test helper: a minimal reader for the Prometheus text format, enough to assert that metric
// families exist and to read one sample's value by name and labels.

export async function scrape(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/metrics`);
  if (!res.ok) {
    throw new Error(`/metrics answered ${res.status}`);
  }
  return res.text();
}

/** Names of the metric families declared by `# TYPE` lines. */
export function metricFamilies(text: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) {
      families.set(match[1], match[2]);
    }
  }
  return families;
}

/** The value of the sample `name{labels}` whose labels include all of `labels`, or undefined. */
export function sampleValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name || match[3] === undefined) {
      continue;
    }
    const present = new Map<string, string>();
    for (const pair of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      present.set(pair[1] ?? "", pair[2] ?? "");
    }
    if (Object.entries(labels).every(([k, v]) => present.get(k) === v)) {
      return Number(match[3]);
    }
  }
  return undefined;
}

/** Sum of every sample of `name` whose labels include `labels`. */
export function sampleSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) {
      const value = sampleValue(line, name, labels);
      sum += value ?? 0;
    }
  }
  return sum;
}
