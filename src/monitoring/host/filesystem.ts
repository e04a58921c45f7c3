// Filesystem space and inodes for the mounts in /proc/mounts, through statfs, as node_exporter's
// filesystem collector names and filters them (same default exclude regexes, same dedup).
import type { Regex } from "../../model/regexp.js";
import { statfs } from "node:fs/promises";
import type { HostSample } from "./sample.js";
import { fieldsOf } from "./sample.js";

/** node_exporter's Linux defaults (collector/filesystem_linux.go, upstream, not Debian's patch). */
export const DEFAULT_MOUNT_POINTS_EXCLUDE =
  "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)";
export const DEFAULT_FS_TYPES_EXCLUDE =
  "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|erofs|sysfs|tracefs)$";

export type Mount = { device: string; mountpoint: string; fstype: string; readonly: boolean };

/** fstab(5) octal escapes: the kernel writes space, tab, newline and backslash as \040 etc. */
function unescapeMount(s: string): string {
  return s.includes("\\")
    ? s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))
    : s;
}

export function parseMounts(
  text: string,
  mountPointsExclude: Regex | undefined,
  fsTypesExclude: Regex | undefined,
): Mount[] {
  const mounts: Mount[] = [];
  const seen = new Set<string>();
  for (const line of text.split("\n")) {
    const f = fieldsOf(line);
    if (f.length < 4) {
      continue;
    }
    const device = unescapeMount(f[0] ?? "");
    const mountpoint = unescapeMount(f[1] ?? "");
    const fstype = f[2] ?? "";
    if (mountPointsExclude?.matches(mountpoint) || fsTypesExclude?.matches(fstype)) {
      continue;
    }
    // The same mount can be listed twice (bind mounts, namespaces); node_exporter reports it once.
    const key = `${device}\u0000${mountpoint}\u0000${fstype}`;
    if (seen.has(key)) {
      continue;
    }
    seen.add(key);
    const readonly = (f[3] ?? "").split(",").includes("ro");
    mounts.push({ device, mountpoint, fstype, readonly });
  }
  return mounts;
}

const TIMED_OUT = Symbol("timed out");

/**
 * Stats each mount and emits its samples. A statfs that errors gives device_error 1, as in
 * node_exporter; one that hangs (a dead NFS server) is abandoned after timeoutMs and its mount is
 * put in `stuck`, skipped until that statfs finally returns, so a hung mount costs one libuv thread
 * at most, not one per collection.
 */
export async function statMounts(
  mounts: readonly Mount[],
  timeoutMs: number,
  stuck: Set<string>,
  out: HostSample[],
): Promise<void> {
  const results = await Promise.all(
    mounts.map(async (m) => {
      if (stuck.has(m.mountpoint)) {
        return null;
      }
      const pending = statfs(m.mountpoint);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
        timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
      });
      try {
        const r = await Promise.race([pending, timeout]);
        if (r === TIMED_OUT) {
          stuck.add(m.mountpoint);
          pending.then(
            () => stuck.delete(m.mountpoint),
            () => stuck.delete(m.mountpoint),
          );
          return null;
        }
        return r;
      } catch {
        return null;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  for (let i = 0; i < mounts.length; i++) {
    const m = mounts[i];
    if (m === undefined) {
      continue;
    }
    const s = results[i];
    const base = { device: m.device, fstype: m.fstype, mountpoint: m.mountpoint };
    out.push({ labels: { __name__: "node_filesystem_device_error", ...base }, value: s ? 0 : 1 });
    if (!s) {
      continue;
    }
    out.push({ labels: { __name__: "node_filesystem_size_bytes", ...base }, value: s.blocks * s.bsize });
    out.push({ labels: { __name__: "node_filesystem_free_bytes", ...base }, value: s.bfree * s.bsize });
    out.push({ labels: { __name__: "node_filesystem_avail_bytes", ...base }, value: s.bavail * s.bsize });
    out.push({ labels: { __name__: "node_filesystem_files", ...base }, value: s.files });
    out.push({ labels: { __name__: "node_filesystem_files_free", ...base }, value: s.ffree });
    out.push({ labels: { __name__: "node_filesystem_readonly", ...base }, value: m.readonly ? 1 : 0 });
  }
}
