// Alertmanager's routing tree (dispatch/route.go): which routes an alert's labels reach (depth first,
// `continue` to keep looking after a match), the options each route inherits from its parent, and
// the group an alert joins on a route (group key and group labels) as Alertmanager prints them.
import type { Labels } from "../../model/labels.js";
import type { RouteConfig } from "../config/schema.js";
import { compareMatchers, formatMatchers, goQuote, matchesAll, type LabelMatcher } from "./matchers.js";

/** What a route does with the alerts it takes: inherited from the parent unless the route sets it. */
export type RouteOpts = {
  readonly receiver: string;
  /** Sorted label names; ignored when groupByAll. */
  readonly groupBy: readonly string[];
  readonly groupByAll: boolean;
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
  /** Not inherited, as in Alertmanager: each route names its own. */
  readonly muteTimeIntervals: readonly string[];
  readonly activeTimeIntervals: readonly string[];
};

/** The timers a root route starts from when the config does not set them. */
export type RouteDefaults = { groupWaitMs: number; groupIntervalMs: number; repeatIntervalMs: number };

export class Route {
  readonly routes: readonly Route[];
  /** Position in a post-order walk (children before parents), as Alertmanager's Route.Idx. */
  readonly idx: number;

  private constructor(
    readonly parent: Route | undefined,
    readonly opts: RouteOpts,
    /** Sorted as Alertmanager sorts them (name, value, type): the key depends on it. */
    readonly matchers: readonly LabelMatcher[],
    /** The route's `continue`: after it matched, its later siblings are still tried. */
    readonly continueMatching: boolean,
    children: (self: Route) => Route[],
    counter: { next: number },
  ) {
    this.routes = children(this);
    this.idx = counter.next++;
  }

  /** @internal builds a subtree; use buildRouteTree. */
  static build(
    cfg: RouteConfig,
    parent: Route | undefined,
    base: RouteOpts,
    counter: { next: number },
  ): Route {
    const groupBy = cfg.group_by !== undefined ? [...new Set(cfg.group_by)].sort() : undefined;
    const opts: RouteOpts = {
      receiver: cfg.receiver !== undefined && cfg.receiver !== "" ? cfg.receiver : base.receiver,
      // An explicit group_by (even empty) replaces the parent's and turns '...' off; '...' alone turns it on.
      groupBy: groupBy ?? base.groupBy,
      groupByAll: groupBy !== undefined ? false : cfg.group_by_all || base.groupByAll,
      groupWaitMs: cfg.group_wait ?? base.groupWaitMs,
      groupIntervalMs: cfg.group_interval ?? base.groupIntervalMs,
      repeatIntervalMs: cfg.repeat_interval ?? base.repeatIntervalMs,
      muteTimeIntervals: cfg.mute_time_intervals,
      activeTimeIntervals: cfg.active_time_intervals,
    };
    const matchers = [...cfg.match, ...cfg.match_re, ...cfg.matchers].sort(compareMatchers);
    return new Route(
      parent,
      opts,
      matchers,
      cfg.continue,
      (self) => cfg.routes.map((c) => Route.build(c, self, opts, counter)),
      counter,
    );
  }

  /**
   * The routes that take an alert with these labels: none if this route's matchers fail; else the
   * matching children depth first, stopping after the first match without `continue`; this route
   * itself when no child matched.
   */
  match(labels: Labels): Route[] {
    if (!matchesAll(this.matchers, labels)) {
      return [];
    }
    const all: Route[] = [];
    for (const child of this.routes) {
      const found = child.match(labels);
      all.push(...found);
      if (found.length > 0 && !child.continueMatching) {
        break;
      }
    }
    return all.length > 0 ? all : [this];
  }

  /** `{}/{severity="page"}`: the matchers of every route from the root down, as Alertmanager's Key(). */
  key(): string {
    const own = formatMatchers(this.matchers);
    return this.parent === undefined ? own : `${this.parent.key()}/${own}`;
  }

  /** key() plus each route's position among its siblings (`{}/{severity="page"}/0`), unique in the tree. */
  id(): string {
    if (this.parent === undefined) {
      return formatMatchers(this.matchers);
    }
    const i = this.parent.routes.indexOf(this);
    return `${this.parent.id()}/${formatMatchers(this.matchers)}/${i}`;
  }

  /** The labels an alert's group is identified by on this route (all of them for `group_by: ['...']`). */
  groupLabels(labels: Labels): Labels {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(labels)) {
      if (this.opts.groupByAll || this.opts.groupBy.includes(name)) {
        out[name] = value;
      }
    }
    return out;
  }

  /** Alertmanager's aggregation group key: `<route key>:<group labels>`, e.g. `{}/{team="a"}:{alertname="X"}`. */
  groupKey(labels: Labels): string {
    return `${this.key()}:${formatLabelSet(this.groupLabels(labels))}`;
  }

  /** Visits this route and its descendants, parents first. */
  walk(visit: (r: Route) => void): void {
    visit(this);
    for (const c of this.routes) {
      c.walk(visit);
    }
  }
}

/** A label set as Prometheus's LabelSet.String(): `{a="1", b="2"}`, sorted, values Go-quoted. */
export function formatLabelSet(labels: Labels): string {
  const parts = Object.entries(labels).map(([n, v]) => `${n}=${goQuote(v)}`);
  parts.sort();
  return `{${parts.join(", ")}}`;
}

/** The tree of a config's root route; the root has no parent and its options start from `defaults`. */
export function buildRouteTree(root: RouteConfig, defaults: RouteDefaults): Route {
  const base: RouteOpts = {
    receiver: "",
    groupBy: [],
    groupByAll: false,
    ...defaults,
    muteTimeIntervals: [],
    activeTimeIntervals: [],
  };
  return Route.build(root, undefined, base, { next: 0 });
}

/** The routes an alert reaches (never empty: the root takes what no other route does). */
export function routesFor(tree: Route, labels: Labels): Route[] {
  return tree.match(labels);
}
