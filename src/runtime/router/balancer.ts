// Picks the backend for one request: smooth weighted round robin (nginx's SWRR) first across
// traffic groups by their percentages, then across the group's backends by their weights.
// Pools are precomputed per station so a pick allocates nothing.
import type { BackendState } from "./backend.js";
import type { Weights } from "./weights.js";

export type GroupPool = {
  name: string;
  /** Percent of normal traffic; 0 = reachable only when forced (preview header, stickiness). */
  weight: number;
  members: BackendState[];
  /** SWRR running scores, one per member. */
  current: Float64Array;
};

export type Pool = {
  /** Groups that take normal traffic (weight > 0), with their SWRR scores. */
  routed: GroupPool[];
  routedCurrent: Float64Array;
  /** Every group present in this pool, for forced picks. */
  byName: Map<string, GroupPool>;
};

/** Name of the single routed group used while a service has no weights: every non-preview backend. */
export const ALL_GROUPS = "*";

function groupPool(name: string, weight: number, members: BackendState[]): GroupPool {
  return { name, weight, members, current: new Float64Array(members.length) };
}

/**
 * Builds the pool for a set of backends (all of a service's, or one station's). Without weights,
 * every backend outside the preview group shares one rotation, as before groups existed.
 */
export function buildPool(
  members: readonly BackendState[],
  weights: Weights | undefined,
  previewGroup: string,
): Pool {
  const grouped = new Map<string, BackendState[]>();
  for (const m of members) {
    let list = grouped.get(m.group);
    if (!list) {
      list = [];
      grouped.set(m.group, list);
    }
    list.push(m);
  }
  const byName = new Map<string, GroupPool>();
  const routed: GroupPool[] = [];
  for (const [name, list] of grouped) {
    const pool = groupPool(name, weights ? (weights[name] ?? 0) : 0, list);
    byName.set(name, pool);
    if (weights && pool.weight > 0) {
      routed.push(pool);
    }
  }
  if (!weights) {
    const normal = members.filter((m) => m.group !== previewGroup);
    if (normal.length > 0) {
      routed.push(groupPool(ALL_GROUPS, 100, normal));
    }
  }
  return { routed, routedCurrent: new Float64Array(routed.length), byName };
}

type Tried = readonly BackendState[] | undefined;

function memberUsable(m: BackendState, now: number, allowEjected: boolean, exclude: Tried): boolean {
  return m.usable(now, allowEjected) && !exclude?.includes(m);
}

function groupUsable(g: GroupPool, now: number, allowEjected: boolean, exclude: Tried): boolean {
  for (const m of g.members) {
    if (memberUsable(m, now, allowEjected, exclude)) {
      return true;
    }
  }
  return false;
}

/**
 * One SWRR step over the usable items (backends of a group, or routed groups): raise each one's
 * score by its weight, take the highest, lower it by the total. `usable` is a module-level function
 * taking the pick's arguments, so a pick allocates no closure.
 */
function swrr<T extends { readonly weight: number }>(
  items: readonly T[],
  cur: Float64Array,
  usable: (item: T, now: number, allowEjected: boolean, exclude: Tried) => boolean,
  now: number,
  allowEjected: boolean,
  exclude: Tried,
): T | undefined {
  let best = -1;
  let total = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as T;
    if (!usable(item, now, allowEjected, exclude)) {
      continue;
    }
    cur[i] = (cur[i] as number) + item.weight;
    total += item.weight;
    if (best < 0 || (cur[i] as number) > (cur[best] as number)) {
      best = i;
    }
  }
  if (best < 0) {
    return undefined;
  }
  cur[best] = (cur[best] as number) - total;
  return items[best];
}

/** SWRR over one group's usable members. */
export function pickInGroup(
  g: GroupPool,
  now: number,
  allowEjected: boolean,
  exclude?: readonly BackendState[],
): BackendState | undefined {
  return swrr(g.members, g.current, memberUsable, now, allowEjected, exclude);
}

/** SWRR over routed groups that have a usable member (a group with none cedes its share), then within it. */
export function pickRouted(
  pool: Pool,
  now: number,
  allowEjected: boolean,
  exclude?: readonly BackendState[],
): BackendState | undefined {
  const g = swrr(pool.routed, pool.routedCurrent, groupUsable, now, allowEjected, exclude);
  return g === undefined ? undefined : pickInGroup(g, now, allowEjected, exclude);
}

/** What one request may be routed to; computed once per request and reused by its retries. */
export type Target = {
  pool: Pool;
  /** A group the request is pinned to (preview header or stickiness). */
  forced: GroupPool | undefined;
  /** Pinned without fallback: preview traffic never spills into normal groups. */
  strict: boolean;
};

/**
 * Healthy backends first; when every candidate is ejected, route to ejected ones anyway (panic
 * mode, as Envoy does): a possibly-broken backend beats a certain 503.
 */
export function pick(t: Target, now: number, exclude?: readonly BackendState[]): BackendState | undefined {
  if (t.forced) {
    const b = pickInGroup(t.forced, now, false, exclude);
    if (b || t.strict) {
      return b ?? pickInGroup(t.forced, now, true, exclude);
    }
  }
  return pickRouted(t.pool, now, false, exclude) ?? pickRouted(t.pool, now, true, exclude);
}
