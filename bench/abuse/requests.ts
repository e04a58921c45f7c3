// The abusive requests of issue 9 (P5), each as its reporter sent it: a viewer's ReDoS matcher, huge
// subqueries, an endless forecast, a flood of large distinct queries and deeply nested YAML; an
// operator's far-future remote-write sample; and the percent-encoded path that skipped auth.
import { encodeWriteRequest } from "../../src/monitoring/remote/write-request-encode.js";

export type Outcome = {
  status: number | "timeout" | "error";
  ms: number;
  note?: string;
  /** Longest /-/healthy gap while it ran (lineops only), ms. */
  stallMs?: number;
};
export type Target = { url: string; viewer: string; operator: string; timeoutMs: number };
export type AbuseRequest = { name: string; run(t: Target): Promise<Outcome> };

/** Whether lineops still answers /-/healthy. */
async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/-/healthy`, { signal: AbortSignal.timeout(5000) })).ok;
  } catch {
    return false;
  }
}

/** One HTTP request under the client deadline; a dropped connection is "error", never a throw. */
async function send(
  t: Target,
  path: string,
  init: { method?: string; token?: string; headers?: Record<string, string>; body?: string | Uint8Array },
): Promise<Outcome> {
  const t0 = performance.now();
  try {
    const res = await fetch(`${t.url}${path}`, {
      method: init.method ?? "GET",
      headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...init.headers },
      ...(init.body !== undefined ? { body: init.body } : {}),
      signal: AbortSignal.timeout(t.timeoutMs),
    });
    const text = await res.text();
    let note: string | undefined;
    try {
      note = (JSON.parse(text) as { error?: string }).error?.slice(0, 160);
    } catch {
      note = undefined;
    }
    return { status: res.status, ms: Math.round(performance.now() - t0), ...(note ? { note } : {}) };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const timeout = e.name === "TimeoutError";
    return {
      status: timeout ? "timeout" : "error",
      ms: Math.round(performance.now() - t0),
      note: timeout ? `no answer within ${t.timeoutMs} ms` : (e.cause?.code ?? e.message),
    };
  }
}

const query = (q: string) => (t: Target) =>
  send(t, `/api/v1/query?query=${encodeURIComponent(q)}`, { token: t.viewer });

/** A valid, distinct query of about 0.9 MB: what the parsed-query cache keeps (parse errors are not cached). */
export function floodQuery(i: number): string {
  return `sum(up{instance!="${String(i).padStart(6, "0")}${"x".repeat(900_000)}"})`;
}

/** The far-future sample: t = 8.64e15 ms, the end of JavaScript time, as remote write 1.0 sends it. */
export function farFutureBody(): Buffer {
  return encodeWriteRequest([
    { labels: { __name__: "bench_abuse_far_future", job: "abuse" }, samples: { ts: [8.64e15], vs: [1] } },
  ]);
}

/** Nested flow sequences: the yaml library recurses once per level. */
export const DEEP_YAML = "[".repeat(100_000);

export function abuseRequests(flood: number): AbuseRequest[] {
  const deepYaml = (t: Target) =>
    send(t, "/api/v1/line/plan", {
      method: "POST",
      token: t.viewer,
      headers: { "content-type": "application/yaml" },
      body: DEEP_YAML,
    });
  return [
    { name: "redosMatcher", run: query('{__name__=~"(.*){7}X"}') },
    { name: "subquery12h1ms", run: query("count_over_time(vector(1)[12h:1ms])") },
    { name: "subquery1y1ms", run: query("count_over_time(vector(1)[1y:1ms])") },
    {
      name: "authBypassPercentEncoded",
      run: (t) =>
        send(t, "/%61pi/v1/tokens", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "bench-abuse-bypass", role: "admin" }),
        }),
    },
    { name: "deepYamlPlan", run: deepYaml },
    // The same again: a second deep parse in one process is what aborted Node in the fuzz suite.
    { name: "deepYamlPlanAgain", run: deepYaml },
    {
      name: "cacheFlood",
      // Sequential, as one client would; the outcome is the worst status and the whole time.
      run: async (t) => {
        const t0 = performance.now();
        const statuses = new Map<string, number>();
        let worst: Outcome | undefined;
        for (let i = 0; i < flood; i++) {
          const o = await send(t, "/api/v1/query", {
            method: "POST",
            token: t.viewer,
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: `query=${encodeURIComponent(floodQuery(i))}`,
          });
          statuses.set(String(o.status), (statuses.get(String(o.status)) ?? 0) + 1);
          if (worst === undefined || typeof o.status !== "number" || o.status >= 500) {
            worst = o;
          }
          // A body refused on its Content-Length (413) may end the connection while the client still
          // writes it: an error then is not a dead lineops. Stop only when lineops is gone.
          if (o.status === "error" && !(await answers(t.url))) {
            break; // the rest would only measure refused connections
          }
        }
        return {
          status: worst?.status ?? 0,
          ms: Math.round(performance.now() - t0),
          note: `${flood} queries of ~0.9 MB: ${JSON.stringify(Object.fromEntries(statuses))}`,
        };
      },
    },
    {
      name: "forecastHorizon1000y",
      run: (t) =>
        send(t, "/api/v1/analysis/forecast?query=up&range=10s&step=1ms&horizon=1000y", { token: t.viewer }),
    },
    // Last: it breaks ingestion for good, and the forecast needs fresh samples of `up` to chew on.
    {
      name: "farFutureRemoteWrite",
      run: (t) =>
        send(t, "/api/v1/write", {
          method: "POST",
          token: t.operator,
          headers: {
            "content-type": "application/x-protobuf",
            "content-encoding": "snappy",
            "x-prometheus-remote-write-version": "0.1.0",
          },
          body: farFutureBody(),
        }),
    },
  ];
}
