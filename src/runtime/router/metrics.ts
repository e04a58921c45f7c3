// Router metrics: a per-request hook for the monitoring engine (which turns it into
// lineops_router_requests_total and a latency histogram) plus in-memory counters per group/code.

/** One completed request. instanceId/group are "" when the router answered without a backend. */
export type RequestEvent = {
  service: string;
  instanceId: string;
  group: string;
  revision?: string;
  /** Response status sent to the client; 101 for a finished WebSocket, 499 when the client left first. */
  code: number;
  durationMs: number;
};

export type ServiceStats = {
  requests: number;
  /** group -> status code -> count. */
  groups: Record<string, Record<string, number>>;
};

export class StatsCounter {
  requests = 0;
  readonly #groups = new Map<string, Map<number, number>>();

  count(group: string, code: number): void {
    this.requests++;
    let codes = this.#groups.get(group);
    if (!codes) {
      codes = new Map();
      this.#groups.set(group, codes);
    }
    codes.set(code, (codes.get(code) ?? 0) + 1);
  }

  snapshot(): ServiceStats {
    const groups: Record<string, Record<string, number>> = {};
    for (const [g, codes] of this.#groups) {
      groups[g] = Object.fromEntries([...codes].map(([c, n]) => [String(c), n]));
    }
    return { requests: this.requests, groups };
  }
}
