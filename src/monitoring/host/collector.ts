// HostCollector: one in-process collection of host metrics from /proc (and statfs), named as
// prometheus-node-exporter names them, plus per-instance process metrics for given pids.
import { readFile } from "node:fs/promises";
import { compileSearchRegex, type Regex } from "../../model/regexp.js";
import type { Labels } from "../model.js";
import { userHz as detectUserHz } from "./clock-ticks.js";
import { parseDiskstats } from "./diskstats.js";
import { HostErrors } from "./errors.js";
import {
  DEFAULT_FS_TYPES_EXCLUDE,
  DEFAULT_MOUNT_POINTS_EXCLUDE,
  parseMounts,
  statMounts,
} from "./filesystem.js";
import { parseLoadavg } from "./loadavg.js";
import { parseMeminfo } from "./meminfo.js";
import { parseNetDev } from "./netdev.js";
import { readProcess } from "./process.js";
import type { ProcStat } from "./proc-stat.js";
import { emitProcStat, parseProcStat } from "./proc-stat.js";
import type { HostSample } from "./sample.js";
import { readUname } from "./uname.js";

/** node_exporter's upstream diskstats default: partitions and RAM/loop/floppy devices. */
export const DEFAULT_DISK_DEVICES_EXCLUDE = "^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$";

export type HostCollectorOptions = {
  /** "/proc" unless overridden (fixture tests). */
  procRoot?: string;
  /** "/sys"; reserved for sysfs-based families, none of which is read yet. */
  sysRoot?: string;
  /** Excludes are RE2 patterns matched unanchored, as node_exporter's flags; "" excludes nothing. */
  fsTypesExclude?: string;
  mountPointsExclude?: string;
  /** Devices of /proc/diskstats to skip; node_exporter's default skips partitions. */
  diskDevicesExclude?: string;
  /** Devices of /proc/net/dev to skip; none by default (upstream node_exporter keeps lo too). */
  netDevicesExclude?: string;
  /** USER_HZ; from `getconf CLK_TCK` when omitted. */
  userHz?: number;
  /** How long one statfs may take before its mount is skipped as stuck. */
  statfsTimeoutMs?: number;
};

export type ProcessTarget = { pid: number; labels: Labels };

function toRegex(option: string, v: string | undefined, def: string | undefined): Regex | undefined {
  const src = v ?? def;
  if (src === undefined || src === "") {
    return undefined;
  }
  try {
    return compileSearchRegex(src);
  } catch (err) {
    throw HostErrors.badOption(`${option}: invalid regular expression ${JSON.stringify(src)}`, {
      cause: err,
    });
  }
}

export class HostCollector {
  readonly procRoot: string;
  readonly sysRoot: string;
  private readonly fsTypesExclude: Regex | undefined;
  private readonly mountPointsExclude: Regex | undefined;
  private readonly diskExclude: Regex | undefined;
  private readonly netExclude: Regex | undefined;
  private readonly userHzOption: number | undefined;
  private readonly statfsTimeoutMs: number;
  private readonly stuckMounts = new Set<string>();

  constructor(opts: HostCollectorOptions = {}) {
    this.procRoot = (opts.procRoot ?? "/proc").replace(/\/+$/, "");
    this.sysRoot = (opts.sysRoot ?? "/sys").replace(/\/+$/, "");
    this.fsTypesExclude = toRegex("fsTypesExclude", opts.fsTypesExclude, DEFAULT_FS_TYPES_EXCLUDE);
    this.mountPointsExclude = toRegex(
      "mountPointsExclude",
      opts.mountPointsExclude,
      DEFAULT_MOUNT_POINTS_EXCLUDE,
    );
    this.diskExclude = toRegex("diskDevicesExclude", opts.diskDevicesExclude, DEFAULT_DISK_DEVICES_EXCLUDE);
    this.netExclude = toRegex("netDevicesExclude", opts.netDevicesExclude, undefined);
    if (opts.userHz !== undefined && !(Number.isInteger(opts.userHz) && opts.userHz > 0)) {
      throw HostErrors.badOption(`userHz: must be a positive integer, got ${opts.userHz}`);
    }
    this.userHzOption = opts.userHz;
    this.statfsTimeoutMs = opts.statfsTimeoutMs ?? 1000;
  }

  /**
   * One collection. Families are read concurrently; a family whose file is missing, unreadable or
   * malformed contributes what it could parse (often nothing). Never rejects.
   */
  async collect(timeMs: number, processes: readonly ProcessTarget[] = []): Promise<HostSample[]> {
    const out: HostSample[] = [];
    out.push({ labels: { __name__: "node_time_seconds" }, value: timeMs / 1000 });
    const hz = this.userHzOption ?? (await detectUserHz());
    const text = (rel: string): Promise<string | undefined> =>
      readFile(`${this.procRoot}/${rel}`, "utf8").catch(() => undefined);
    const guard = async (family: () => Promise<void>): Promise<void> => {
      try {
        await family();
      } catch {
        // A parser bug on odd input must not cost the other families; the family is just absent.
      }
    };

    const statPromise: Promise<ProcStat | undefined> = text("stat").then((t) => {
      try {
        return t === undefined ? undefined : parseProcStat(t);
      } catch {
        return undefined;
      }
    });
    await Promise.all([
      guard(async () => {
        const s = await statPromise;
        if (s) {
          emitProcStat(s, hz, out);
        }
      }),
      guard(async () => {
        const t = await text("meminfo");
        if (t !== undefined) {
          parseMeminfo(t, out);
        }
      }),
      guard(async () => {
        const t = await text("loadavg");
        if (t !== undefined) {
          parseLoadavg(t, out);
        }
      }),
      guard(async () => {
        const t = await text("diskstats");
        if (t !== undefined) {
          parseDiskstats(t, this.diskExclude, out);
        }
      }),
      guard(async () => {
        const t = await text("net/dev");
        if (t !== undefined) {
          parseNetDev(t, this.netExclude, out);
        }
      }),
      guard(async () => {
        const t = await text("mounts");
        if (t !== undefined) {
          const mounts = parseMounts(t, this.mountPointsExclude, this.fsTypesExclude);
          await statMounts(mounts, this.statfsTimeoutMs, this.stuckMounts, out);
        }
      }),
      guard(() => readUname(this.procRoot, out)),
      ...processes.map((p) =>
        guard(async () => {
          const s = await statPromise;
          await readProcess(this.procRoot, p.pid, p.labels, hz, s?.bootTime, out);
        }),
      ),
    ]);
    return out;
  }
}
