// Bin-packing simulation: how many nodes of one size the line's instances need, by first-fit
// decreasing and best-fit decreasing over two dimensions (CPU and memory requests). A planning
// estimate for plants moving to Kubernetes: the real placement stays the scheduler's job, and
// lineops never places processes on other hosts itself.

export type PackItem = {
  /** What the item is, e.g. "line-2/plc-gateway/st-3". */
  id: string;
  service: string;
  cpuCores: number;
  memoryBytes: number;
};

export type NodeSize = { cpuCores: number; memoryBytes: number };

export type PackedNode = {
  items: string[];
  cpuCores: number;
  memoryBytes: number;
};

export type PackResult = {
  algorithm: "first-fit-decreasing" | "best-fit-decreasing";
  nodes: PackedNode[];
  /** Items larger than an empty node: no number of nodes of this size runs them. */
  unplaceable: string[];
  /** Lower bound on nodes by volume alone: max over dimensions of ceil(total / node). */
  lowerBound: number;
};

/** Decreasing order: the larger share of a node (CPU or memory) first, then id for determinism. */
function decreasing(items: readonly PackItem[], node: NodeSize): PackItem[] {
  const size = (i: PackItem) => Math.max(i.cpuCores / node.cpuCores, i.memoryBytes / node.memoryBytes);
  return [...items].sort((a, b) => size(b) - size(a) || a.id.localeCompare(b.id));
}

const EPS = 1e-9;
const fits = (n: PackedNode, i: PackItem, node: NodeSize) =>
  n.cpuCores + i.cpuCores <= node.cpuCores + EPS &&
  n.memoryBytes + i.memoryBytes <= node.memoryBytes * (1 + EPS);

function checkNode(node: NodeSize): void {
  if (!(node.cpuCores > 0) || !(node.memoryBytes > 0) || !Number.isFinite(node.cpuCores + node.memoryBytes)) {
    throw new Error(
      `node size: CPU ${node.cpuCores} cores and memory ${node.memoryBytes} bytes must both be above 0`,
    );
  }
}

function volumeBound(items: readonly PackItem[], node: NodeSize): number {
  const cpu = items.reduce((s, i) => s + i.cpuCores, 0);
  const mem = items.reduce((s, i) => s + i.memoryBytes, 0);
  return Math.max(Math.ceil(cpu / node.cpuCores - EPS), Math.ceil(mem / node.memoryBytes - EPS), 0);
}

function pack(
  algorithm: PackResult["algorithm"],
  items: readonly PackItem[],
  node: NodeSize,
  choose: (open: PackedNode[], item: PackItem) => PackedNode | undefined,
): PackResult {
  checkNode(node);
  const nodes: PackedNode[] = [];
  const unplaceable: string[] = [];
  const placeable = items.filter((i) => {
    const ok = i.cpuCores <= node.cpuCores + EPS && i.memoryBytes <= node.memoryBytes * (1 + EPS);
    if (!ok) {
      unplaceable.push(i.id);
    }
    return ok;
  });
  for (const item of decreasing(placeable, node)) {
    let target = choose(nodes, item);
    if (target === undefined) {
      target = { items: [], cpuCores: 0, memoryBytes: 0 };
      nodes.push(target);
    }
    target.items.push(item.id);
    target.cpuCores += item.cpuCores;
    target.memoryBytes += item.memoryBytes;
  }
  return { algorithm, nodes, unplaceable, lowerBound: volumeBound(placeable, node) };
}

/** First-fit decreasing: each item, largest first, into the first open node it fits. */
export function firstFitDecreasing(items: readonly PackItem[], node: NodeSize): PackResult {
  return pack("first-fit-decreasing", items, node, (open, item) => open.find((n) => fits(n, item, node)));
}

/**
 * Best-fit decreasing: each item, largest first, into the open node it leaves the least room in
 * (the sum of the free CPU and memory shares after placing it); a new node when none fits.
 */
export function bestFitDecreasing(items: readonly PackItem[], node: NodeSize): PackResult {
  return pack("best-fit-decreasing", items, node, (open, item) => {
    let best: PackedNode | undefined;
    let bestSlack = Infinity;
    for (const n of open) {
      if (!fits(n, item, node)) {
        continue;
      }
      const slack =
        (node.cpuCores - n.cpuCores - item.cpuCores) / node.cpuCores +
        (node.memoryBytes - n.memoryBytes - item.memoryBytes) / node.memoryBytes;
      if (slack < bestSlack - EPS) {
        best = n;
        bestSlack = slack;
      }
    }
    return best;
  });
}
