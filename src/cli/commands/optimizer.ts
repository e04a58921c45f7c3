// Right-sizing and capacity: `lineops recommend [SERVICE]` (the VPA recommender's requests against
// line.yaml's resources) and `lineops capacity` (this host's headroom and trends, and how many nodes
// of a size N lines need). Tables, or JSON with --json.
import type { Command } from "commander";
import type { CapacityReport, PackingSummary, PromEnvelope, RecommendationReport } from "../../api/types.js";
import { apiClient, printRows, wantsJson } from "../command.js";
import { printJson, printTable } from "../output.js";

/** Cores as Kubernetes writes them: millicores below one core ("250m"), else cores ("1.5"). */
export function formatCores(c: number | undefined): string | undefined {
  if (c === undefined || !Number.isFinite(c)) {
    return undefined;
  }
  return c < 1 ? `${Math.ceil(c * 1000)}m` : `${Math.round(c * 100) / 100}`;
}

/** Bytes in the largest binary unit that keeps a whole part ("512Mi", "1.5Gi"). */
export function formatBytes(b: number | undefined): string | undefined {
  if (b === undefined || !Number.isFinite(b)) {
    return undefined;
  }
  for (const [unit, size] of [
    ["Ti", 2 ** 40],
    ["Gi", 2 ** 30],
    ["Mi", 2 ** 20],
    ["Ki", 2 ** 10],
  ] as const) {
    if (Math.abs(b) >= size) {
      return `${Math.round((b / size) * 10) / 10}${unit}`;
    }
  }
  return `${Math.round(b)}`;
}

const pct = (r: number | undefined) =>
  r === undefined || !Number.isFinite(r) ? undefined : `${Math.round(r * 100)}%`;
const days = (s: number | undefined) =>
  s === undefined ? undefined : `${Math.round((s / 86_400) * 10) / 10}d`;

export function registerOptimizerCommands(program: Command): void {
  program
    .command("recommend")
    .description(
      "right-sizing: recommended CPU and memory requests per service (VPA recommender) against line.yaml's resources",
    )
    .argument("[service]", "one service (default: all)")
    .option("--json", "print JSON")
    .action(async (service: string | undefined, _opts, cmd: Command) => {
      const q = service === undefined ? "" : `?service=${encodeURIComponent(service)}`;
      const { data } = await apiClient(cmd).get<PromEnvelope<RecommendationReport>>(
        `/api/v1/infrastructure/recommendations${q}`,
      );
      printRows(
        cmd,
        data,
        ["SERVICE", "RESOURCE", "DECLARED", "TARGET", "LOWER", "UPPER", "VERDICT", "HISTORY"],
        data.services.flatMap((s) => [
          { s, r: "cpu" as const },
          { s, r: "memory" as const },
        ]),
        ({ s, r }) => {
          const fmt = r === "cpu" ? formatCores : formatBytes;
          const k = r === "cpu" ? "cpuCores" : "memoryBytes";
          return [
            s.service,
            r,
            fmt(s.declared[k]),
            fmt(s.target?.[k]),
            fmt(s.lowerBound?.[k]),
            fmt(s.upperBound?.[k]),
            s[r],
            `${Math.round(s.evidence.confidenceDays * 10) / 10}d, ${s.evidence.instances} inst`,
          ];
        },
      );
    });

  program
    .command("capacity")
    .description(
      "capacity: this host's requests vs allocatable, CPU/memory/disk trends, and nodes N lines need",
    )
    .option(
      "--node-cpu <cores>",
      "node CPU for the packing: cores (4) or millicores (3500m); default this host's",
    )
    .option("--node-memory <bytes>", "node memory: bytes or with Ki/Mi/Gi/Ti (16Gi); default this host's")
    .option("--lines <n>", "lines to pack", "1")
    .option("--json", "print JSON")
    .action(async (opts: { nodeCpu?: string; nodeMemory?: string; lines: string }, cmd: Command) => {
      const q = new URLSearchParams({ lines: opts.lines });
      if (opts.nodeCpu !== undefined) {
        q.set("nodeCpu", opts.nodeCpu);
      }
      if (opts.nodeMemory !== undefined) {
        q.set("nodeMemory", opts.nodeMemory);
      }
      const { data } = await apiClient(cmd).get<PromEnvelope<CapacityReport>>(
        `/api/v1/infrastructure/capacity?${q.toString()}`,
      );
      if (wantsJson(cmd)) {
        printJson(data);
        return;
      }
      const h = data.host;
      const f = h.forecasts;
      const out = process.stdout;
      out.write(`host ${h.instance}\n`);
      printTable(
        [
          "RESOURCE",
          "ALLOCATABLE",
          "REQUESTED",
          "FREE",
          "REQUESTED %",
          "NOW",
          "TREND FULL IN",
          "HOLT FULL IN",
        ],
        [
          [
            "cpu",
            formatCores(h.cpu.allocatable),
            formatCores(h.cpu.requested),
            formatCores(h.cpu.free),
            pct(h.cpu.ratio),
            pct(f.cpuUtilisation.current),
            days(f.cpuUtilisation.reachesLimitInSeconds),
            days(f.cpuUtilisation.holtReachesLimitInSeconds),
          ],
          [
            "memory",
            formatBytes(h.memory.allocatable),
            formatBytes(h.memory.requested),
            formatBytes(h.memory.free),
            pct(h.memory.ratio),
            pct(f.memoryUtilisation.current),
            days(f.memoryUtilisation.reachesLimitInSeconds),
            days(f.memoryUtilisation.holtReachesLimitInSeconds),
          ],
          ...f.disks.map((d) => [
            `disk ${d.mountpoint}`,
            undefined,
            undefined,
            undefined,
            undefined,
            pct(d.current),
            days(d.reachesLimitInSeconds),
            days(d.holtReachesLimitInSeconds),
          ]),
        ],
      );
      const p = data.packing;
      if (p === undefined) {
        out.write(`\nno packing: ${data.packingProblem ?? "no node size"}\n`);
        return;
      }
      out.write(
        `\n${p.lines} line(s), ${p.instances} instances onto nodes of ${formatCores(p.node.cpuCores)} CPU / ${formatBytes(p.node.memoryBytes)} (${p.nodeSource === "host" ? "this host's size" : "given"})\n`,
      );
      const row = (s: PackingSummary) => [s.algorithm, s.nodeCount, s.lowerBound, s.unplaceable.length];
      printTable(["ALGORITHM", "NODES", "LOWER BOUND", "UNPLACEABLE"], [row(p.firstFit), row(p.bestFit)]);
      if (p.missing.length > 0) {
        out.write(`left out (no request declared, no recommendation yet): ${p.missing.join(", ")}\n`);
      }
    });
}
