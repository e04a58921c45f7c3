// A real prometheus-node-exporter for comparison tests, and a reader of its text exposition into
// samples and TYPE lines.
import { startNodeExporter as startDaemon } from "../../test-support/prometheus.js";

export type ExpositionSample = { name: string; labels: Record<string, string>; value: number };
export type Exposition = { samples: ExpositionSample[]; types: Map<string, string> };

export type RunningExporter = { /** Its /metrics URL. */ url: string; stop(): Promise<void> };

/**
 * Starts node_exporter with `args` on a free loopback port (through the one daemon starter of the
 * monitoring tests, which fails with the install command if the binary is absent).
 */
export async function startNodeExporter(args: readonly string[]): Promise<RunningExporter> {
  const d = await startDaemon({ extraArgs: args });
  return { url: `${d.url}/metrics`, stop: () => d.stop() };
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** A minimal text-format reader, enough for node_exporter's output (no timestamps, no exemplars). */
export function parseExposition(text: string): Exposition {
  const samples: ExpositionSample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.startsWith("# TYPE ")) {
      const [, , name, type] = line.split(" ");
      if (name !== undefined && type !== undefined) {
        types.set(name, type);
      }
      continue;
    }
    if (line.startsWith("#") || line.trim() === "") {
      continue;
    }
    const m = LINE.exec(line);
    if (!m) {
      continue;
    }
    const labels: Record<string, string> = {};
    for (const lm of (m[2] ?? "").matchAll(LABEL)) {
      labels[lm[1] ?? ""] = (lm[2] ?? "").replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    }
    samples.push({ name: m[1] ?? "", labels, value: Number(m[3]) });
  }
  return { samples, types };
}
