// Keeps lineops's control plane busy: concurrent CPU-heavy PromQL range queries in a loop, as a
// viewer, each with a start shifted by a random fraction of a second so no answer comes from the
// query cache. The queries are fine-resolution subqueries over every series: about a second each on
// a few minutes of the sample line's data on 2 cores, far under maxSamples and the query timeout.
// Compaction: lineops has no API that triggers one (src/api has no admin/tsdb route; the TSDB cuts a
// block when its head spans 1.5 block durations), so the run's lineops.yaml sets a short
// monitoring.tsdb.blockDuration and the TSDB compacts every few seconds on its own; the blocks
// written during the busy window are counted from <dataDir>/tsdb/blocks to show it happened.
import { readdirSync } from "node:fs";
import path from "node:path";
import { cpuSeconds } from "../common/proc.js";

export const HEAVY_QUERIES = [
  'sum(max_over_time(rate({__name__=~".+"}[30s])[5m:20ms]))',
  'sum by (job) (quantile_over_time(0.99, rate({__name__=~".+"}[20s])[5m:200ms]))',
  'count(label_replace({__name__=~".+"}, "x", "$1", "__name__", "(.*(a|b|c)+.*(d|e)+.*z?)"))',
] as const;

export type BusyReport = {
  queries: number;
  queryErrors: number;
  queryErrorSample: string[];
  queryMs: { median: number; max: number };
  /** CPU cores lineops used during the window (1.0 = one core all the time). */
  lineopsCpuCores: number;
  /** The same for the data plane process, when there is one. */
  dataPlaneCpuCores: number | null;
  /** TSDB blocks that appeared during the window (each one a compaction's output). */
  blocksWritten: number;
};

function blockNames(dataDir: string): Set<string> {
  try {
    return new Set(readdirSync(path.join(dataDir, "tsdb", "blocks")));
  } catch {
    return new Set();
  }
}

function cpuOrNaN(pid: number | undefined): number {
  if (pid === undefined) {
    return Number.NaN;
  }
  try {
    return cpuSeconds(pid);
  } catch {
    return Number.NaN;
  }
}

/** Runs the query loop for `seconds`; CPU is measured over exactly that time. */
export async function keepBusy(opts: {
  url: string;
  token: string;
  dataDir: string;
  lineopsPid: number;
  dataPlanePid: number | undefined;
  concurrency: number;
  seconds: number;
}): Promise<BusyReport> {
  const blocksBefore = blockNames(opts.dataDir);
  const t0 = performance.now();
  const cpu0 = cpuOrNaN(opts.lineopsPid);
  const dp0 = cpuOrNaN(opts.dataPlanePid);
  const end = Date.now() + opts.seconds * 1000;
  const times: number[] = [];
  const errors: string[] = [];
  let n = 0;
  const loop = async (k: number) => {
    for (let i = k; Date.now() < end; i += opts.concurrency) {
      const query = HEAVY_QUERIES[i % HEAVY_QUERIES.length] as string;
      const now = Date.now() / 1000;
      const params = new URLSearchParams({
        query,
        start: (now - 600 + Math.random()).toFixed(3),
        end: now.toFixed(3),
        step: "1",
      });
      const t = performance.now();
      try {
        const res = await fetch(`${opts.url}/api/v1/query_range`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${opts.token}`,
            "content-type": "application/x-www-form-urlencoded",
          },
          body: params.toString(),
          signal: AbortSignal.timeout(60_000),
        });
        const text = await res.text();
        if (!res.ok) {
          errors.push(`${res.status} ${text.slice(0, 200)}`);
        }
      } catch (err) {
        errors.push((err as Error).message);
        // lineops refusing connections would otherwise spin this loop.
        await new Promise((r) => setTimeout(r, 200));
      }
      times.push(performance.now() - t);
      n++;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, (_, k) => loop(k)));
  const secs = (performance.now() - t0) / 1000;
  const cores = (a: number, b: number) =>
    Number.isFinite(b - a) ? Math.round(((b - a) / secs) * 100) / 100 : null;
  const sorted = times.sort((a, b) => a - b);
  const blocksAfter = blockNames(opts.dataDir);
  return {
    queries: n,
    queryErrors: errors.length,
    queryErrorSample: errors.slice(0, 3),
    queryMs: {
      median: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0),
      max: Math.round(sorted.at(-1) ?? 0),
    },
    lineopsCpuCores: cores(cpu0, cpuOrNaN(opts.lineopsPid)) ?? 0,
    dataPlaneCpuCores: cores(dp0, cpuOrNaN(opts.dataPlanePid)),
    blocksWritten: [...blocksAfter].filter((b) => !blocksBefore.has(b)).length,
  };
}
