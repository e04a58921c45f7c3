// A small client for the Prometheus HTTP API and /metrics, spoken by Prometheus and lineops alike.

export type ApiOptions = { token?: string; timeoutMs?: number };

function headers(opts: ApiOptions): Record<string, string> {
  return opts.token ? { authorization: `Bearer ${opts.token}` } : {};
}

export async function getText(url: string, opts: ApiOptions = {}): Promise<string> {
  const res = await fetch(url, {
    headers: headers(opts),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
  });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`GET ${url}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  }
  return text;
}

/** GET or POST a Prometheus-style JSON API and return its `data` (throws on status "error"). */
export async function apiCall<T>(
  url: string,
  opts: ApiOptions & { method?: "GET" | "POST"; form?: Record<string, string> } = {},
): Promise<T> {
  const init: RequestInit = {
    method: opts.method ?? "GET",
    headers: headers(opts),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000),
  };
  if (opts.form) {
    init.method = "POST";
    init.body = new URLSearchParams(opts.form);
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let body: { status?: string; data?: T; error?: string };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`${init.method} ${url}: HTTP ${res.status}, not JSON: ${text.slice(0, 300)}`);
  }
  if (!res.ok || body.status !== "success") {
    throw new Error(`${init.method} ${url}: HTTP ${res.status}: ${body.error ?? text.slice(0, 300)}`);
  }
  return body.data as T;
}

export type VectorSample = { metric: Record<string, string>; value: [number, string] };
export type MatrixSeries = { metric: Record<string, string>; values: Array<[number, string]> };

export async function instantQuery(
  base: string,
  query: string,
  opts: ApiOptions & { time?: number } = {},
): Promise<VectorSample[] | MatrixSeries[]> {
  const form: Record<string, string> = { query };
  if (opts.time !== undefined) {
    form.time = String(opts.time / 1000);
  }
  const data = await apiCall<{ resultType: string; result: VectorSample[] | MatrixSeries[] }>(
    `${base}/api/v1/query`,
    { ...opts, form },
  );
  return data.result;
}

/** Sum of every sample of `name` (any labels) in a /metrics body; undefined when absent. */
export function metricSum(body: string, name: string): number | undefined {
  let sum: number | undefined;
  for (const line of body.split("\n")) {
    if (!line.startsWith(name)) {
      continue;
    }
    const rest = line.charCodeAt(name.length);
    // 32 = ' ', 123 = '{': the name must end here, not be a prefix of a longer one.
    if (rest !== 32 && rest !== 123) {
      continue;
    }
    const close = line.lastIndexOf("}");
    const fields = line
      .slice(close >= 0 ? close + 1 : name.length)
      .trim()
      .split(/\s+/);
    const v = Number(fields[0]);
    if (!Number.isNaN(v)) {
      sum = (sum ?? 0) + v;
    }
  }
  return sum;
}

/** Polls check() until it returns a value other than undefined, or throws after timeoutMs. */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) {
        return v;
      }
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
