// Orders a line's services by their dependency DAG: dependencies first, independent services
// together in one level so they can start in parallel.

export type DependencyGraph = ReadonlyMap<string, readonly string[]>; // service -> its dependencies

/** Returns one dependency cycle as [a, b, ..., a], or undefined when the graph is acyclic. */
export function findCycle(graph: DependencyGraph): string[] | undefined {
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, "visiting");
    stack.push(node);
    for (const dep of graph.get(node) ?? []) {
      const s = state.get(dep);
      if (s === "visiting") {
        return [...stack.slice(stack.indexOf(dep)), dep];
      }
      if (s === undefined && graph.has(dep)) {
        const cycle = visit(dep);
        if (cycle) {
          return cycle;
        }
      }
    }
    stack.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of [...graph.keys()].sort()) {
    if (!state.has(node)) {
      const cycle = visit(node);
      if (cycle) {
        return cycle;
      }
    }
  }
  return undefined;
}

/**
 * Groups services into levels: level 0 has no dependencies, level n depends only on earlier
 * levels. Throws if the graph has a cycle (call findCycle first for a good message).
 */
export function dependencyLevels(graph: DependencyGraph): string[][] {
  const level = new Map<string, number>();
  const depth = (node: string, seen: Set<string>): number => {
    const known = level.get(node);
    if (known !== undefined) {
      return known;
    }
    if (seen.has(node)) {
      throw new Error(`dependency cycle through ${node}`);
    }
    seen.add(node);
    let d = 0;
    for (const dep of graph.get(node) ?? []) {
      if (graph.has(dep)) {
        d = Math.max(d, depth(dep, seen) + 1);
      }
    }
    seen.delete(node);
    level.set(node, d);
    return d;
  };
  const levels: string[][] = [];
  for (const node of [...graph.keys()].sort()) {
    const d = depth(node, new Set());
    (levels[d] ??= []).push(node);
  }
  return levels.map((l) => l.sort());
}
