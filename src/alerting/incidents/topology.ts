// The line's shape as correlation needs it: services and what they depend on (line.yaml dependsOn),
// and the plant hierarchy line -> station -> device (which services serve which stations and
// devices). main.ts hands it over as plain data, so alerting never imports the deployment engine.
import type { Labels } from "../../model/labels.js";

export type TopologyService = {
  name: string;
  dependsOn: readonly string[];
  /** Stations the service serves (its per-station instances, and line.yaml `serves.stations`). */
  stations?: readonly string[];
  /** Devices (PLCs, cameras, ...) the service serves (line.yaml `serves.devices`). */
  devices?: readonly string[];
};

export type Topology = { line?: string; services: readonly TopologyService[] };

/** How much of the plant an alert speaks of, narrowest first. */
export type ScopeLevel = "service" | "device" | "station" | "line";
export const LEVEL_RANK: Record<ScopeLevel, number> = { service: 0, device: 1, station: 2, line: 3 };

export type AlertScope = { level: ScopeLevel; services: ReadonlySet<string> };

export class TopologyIndex {
  private readonly services = new Map<string, TopologyService>();
  private readonly upstreamOf = new Map<string, ReadonlySet<string>>();

  constructor(readonly topology: Topology) {
    for (const s of topology.services) {
      this.services.set(s.name, s);
    }
  }

  has(service: string): boolean {
    return this.services.has(service);
  }

  /**
   * The services an alert is about: its own (label `service`, else `job`, as lineops's scrape sets
   * both), else those serving its device, else its station; an alert naming only the line (label
   * `line`) is about every service of it. Undefined: the topology says nothing about this alert.
   */
  scope(labels: Labels): AlertScope | undefined {
    const own = labels.service ?? labels.job;
    if (own !== undefined && this.services.has(own)) {
      return { level: "service", services: new Set([own]) };
    }
    const serving = (pick: (s: TopologyService) => readonly string[] | undefined, value: string) =>
      new Set([...this.services.values()].filter((s) => pick(s)?.includes(value)).map((s) => s.name));
    if (labels.device !== undefined) {
      const by = serving((s) => s.devices, labels.device);
      if (by.size > 0) {
        return { level: "device", services: by };
      }
    }
    if (labels.station !== undefined) {
      const by = serving((s) => s.stations, labels.station);
      if (by.size > 0) {
        return { level: "station", services: by };
      }
    }
    const line = labels.line;
    if (line !== undefined && (this.topology.line === undefined || line === this.topology.line)) {
      if (this.services.size > 0) {
        return { level: "line", services: new Set(this.services.keys()) };
      }
    }
    return undefined;
  }

  /** Every service `service` depends on, directly or through others (dependsOn is acyclic; guarded anyway). */
  upstream(service: string): ReadonlySet<string> {
    const known = this.upstreamOf.get(service);
    if (known !== undefined) {
      return known;
    }
    const seen = new Set<string>();
    const stack = [...(this.services.get(service)?.dependsOn ?? [])];
    while (stack.length > 0) {
      const next = stack.pop() as string;
      if (seen.has(next) || next === service) {
        continue;
      }
      seen.add(next);
      stack.push(...(this.services.get(next)?.dependsOn ?? []));
    }
    this.upstreamOf.set(service, seen);
    return seen;
  }

  /** Upstream of any of `services`, not counting those themselves. */
  upstreamOfAll(services: Iterable<string>): Set<string> {
    const out = new Set<string>();
    const own = new Set(services);
    for (const s of own) {
      for (const u of this.upstream(s)) {
        if (!own.has(u)) {
          out.add(u);
        }
      }
    }
    return out;
  }

  /** Whether one scope is the other's cause or symptom: they share a service, or one is upstream of the other. */
  related(a: AlertScope, b: AlertScope): boolean {
    const intersects = (x: Iterable<string>, y: ReadonlySet<string>) => [...x].some((s) => y.has(s));
    return (
      intersects(a.services, b.services) ||
      intersects(this.upstreamOfAll(a.services), b.services) ||
      intersects(this.upstreamOfAll(b.services), a.services)
    );
  }

  /** The dependsOn chain from `from` up to `to` ("station-controller -> plc-gateway"), if there is one. */
  path(from: string, to: string): string[] | undefined {
    const queue: string[][] = [[from]];
    const seen = new Set([from]);
    while (queue.length > 0) {
      const p = queue.shift() as string[];
      const last = p[p.length - 1] as string;
      if (last === to) {
        return p;
      }
      for (const d of this.services.get(last)?.dependsOn ?? []) {
        if (!seen.has(d)) {
          seen.add(d);
          queue.push([...p, d]);
        }
      }
    }
    return undefined;
  }

  /** The services serving a station. */
  servingStation(station: string): string[] {
    return [...this.services.values()].filter((s) => s.stations?.includes(station)).map((s) => s.name);
  }
}
