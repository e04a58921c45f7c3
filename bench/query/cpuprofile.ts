// Where a V8 CPU profile (node --cpu-prof) spends its time: self time per function (file:function:line)
// and inclusive time per project file, for the report on queries where lineops is slower.
import { readFileSync } from "node:fs";

type ProfileNode = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
};
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

export type HotSpot = { where: string; ms: number; share: number };

function shortUrl(url: string, root: string): string {
  const u = url.startsWith("file://") ? url.slice(7) : url;
  return u.startsWith(root) ? u.slice(root.length + 1) : u || "(native)";
}

export function summarizeCpuProfile(
  file: string,
  root: string,
  top = 25,
): { totalMs: number; self: HotSpot[]; inclusiveByFile: HotSpot[] } {
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) {
      parent.set(c, n.id);
    }
  }
  const selfUs = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    const id = p.samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
    total += dt;
  }
  const selfBy = new Map<string, number>();
  const inclBy = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) {
      continue;
    }
    const f = n.callFrame;
    const where = `${shortUrl(f.url, root)}:${f.functionName || "(anonymous)"}:${f.lineNumber + 1}`;
    selfBy.set(where, (selfBy.get(where) ?? 0) + us);
    // Inclusive per file: each file on the sample's stack counted once.
    const files = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const url = byId.get(cur)?.callFrame.url;
      if (url) {
        files.add(shortUrl(url, root));
      }
    }
    for (const fl of files) {
      inclBy.set(fl, (inclBy.get(fl) ?? 0) + us);
    }
  }
  const rank = (m: Map<string, number>): HotSpot[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([where, us]) => ({
        where,
        ms: Math.round(us / 100) / 10,
        share: Math.round((us / total) * 1000) / 10,
      }));
  return { totalMs: Math.round(total / 1000), self: rank(selfBy), inclusiveByFile: rank(inclBy) };
}
