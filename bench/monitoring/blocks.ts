// The fair on-disk comparison: Prometheus keeps a short run in its WAL and head chunks, not in a
// block, so a slice of the run is read back through the query API, written as OpenMetrics with
// timestamps, and turned into a real block by `promtool tsdb create-blocks-from openmetrics`.
import { execFile } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import path from "node:path";
import { once } from "node:events";
import { dirBytes } from "../common/proc.js";
import { instantQuery, type MatrixSeries } from "../common/prom-api.js";
import { JOB } from "./systems.js";

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

/** Writes the series of `instances` over the last windowS to an OpenMetrics file; returns samples written. */
export async function dumpOpenMetrics(
  url: string,
  instances: string[],
  windowS: number,
  file: string,
  token?: string,
): Promise<{ samples: number; series: number }> {
  // OpenMetrics wants each metric family's samples together, so collect by name first.
  const byName = new Map<string, string[]>();
  let samples = 0;
  let series = 0;
  const at = Date.now();
  for (const inst of instances) {
    const res = (await instantQuery(url, `{job="${JOB}",instance="${inst}"}[${Math.ceil(windowS)}s]`, {
      time: at,
      timeoutMs: 120_000,
      ...(token ? { token } : {}),
    })) as MatrixSeries[];
    for (const s of res) {
      const name = s.metric.__name__ ?? "";
      const labels = Object.entries(s.metric)
        .filter(([k]) => k !== "__name__")
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(",");
      const head = `${name}{${labels}} `;
      let lines = byName.get(name);
      if (!lines) {
        lines = [];
        byName.set(name, lines);
      }
      let text = "";
      for (const [t, v] of s.values) {
        text += `${head}${v} ${t}\n`;
      }
      lines.push(text);
      samples += s.values.length;
      series++;
    }
  }
  const out = createWriteStream(file);
  for (const [name, chunks] of byName) {
    out.write(`# TYPE ${name} unknown\n`);
    for (const c of chunks) {
      if (!out.write(c)) {
        await once(out, "drain");
      }
    }
  }
  out.end("# EOF\n");
  await once(out, "finish");
  return { samples, series };
}

/** Builds blocks from an OpenMetrics file with promtool; returns the bytes of the block directory. */
export function promtoolBlocks(
  promtool: string,
  file: string,
  outDir: string,
): Promise<{ bytes: number; allocated: number }> {
  mkdirSync(outDir, { recursive: true });
  return new Promise((resolve, reject) => {
    execFile(
      promtool,
      ["tsdb", "create-blocks-from", "openmetrics", file, outDir],
      { timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
      (err, _stdout, stderr) => {
        if (err) {
          reject(new Error(`promtool failed: ${err.message}\n${stderr.slice(-800)}`));
          return;
        }
        resolve(dirBytes(outDir));
      },
    );
  });
}

export const blockFile = (dir: string) => path.join(dir, "dump.om");
