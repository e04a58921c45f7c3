// Timed Prometheus-API queries: one HTTP round trip (request to last body byte) is one measurement,
// the same client for both systems; the answer is kept for the agreement check.
import type { ApiData } from "./compare.js";
import type { Endpoint } from "./systems.js";

export type QueryKind = "instant" | "range";

export type QueryParams = { endSec: number; startSec: number; stepSec: number };

export type Timed = { ms: number; data: ApiData; bytes: number };

export async function timedQuery(
  ep: Endpoint,
  kind: QueryKind,
  expr: string,
  p: QueryParams,
  timeoutMs: number,
): Promise<Timed> {
  const form: Record<string, string> =
    kind === "instant"
      ? { query: expr, time: String(p.endSec) }
      : { query: expr, start: String(p.startSec), end: String(p.endSec), step: String(p.stepSec) };
  const headers: Record<string, string> = {};
  if (ep.token) {
    headers.authorization = `Bearer ${ep.token}`;
  }
  const url = `${ep.url}/api/v1/${kind === "instant" ? "query" : "query_range"}`;
  const t0 = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers,
    body: new URLSearchParams(form),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  let body: { status?: string; data?: ApiData; error?: string; errorType?: string };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`${ep.name}: HTTP ${res.status}, not JSON: ${text.slice(0, 300)}`);
  }
  if (!res.ok || body.status !== "success" || !body.data) {
    throw new Error(
      `${ep.name}: HTTP ${res.status}: ${body.errorType ?? ""} ${body.error ?? text.slice(0, 300)}`,
    );
  }
  return { ms, data: body.data, bytes: text.length };
}

export function median(xs: number[]): number {
  if (xs.length === 0) {
    return NaN;
  }
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
