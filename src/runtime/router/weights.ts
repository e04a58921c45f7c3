// Group weights: validation (percentages summing to 100) and the hash ranges stickiness maps onto.
import { DEFAULT_GROUP } from "./backend.js";
import { RouterErrors } from "./errors.js";

/**
 * Which request value keeps a client on one group. The header wins over the cookie. With a cookie
 * configured and absent from the request, the router mints a random value, routes by it and sets
 * `<cookie>=<value>; Path=/; HttpOnly; SameSite=Lax` on the response (not on WebSocket handshakes).
 */
export type Stickiness = { header?: string; cookie?: string };

/** Percent of normal traffic per group; groups not named get 0 %. */
export type Weights = Readonly<Record<string, number>>;

/** One group's slice of the sticky hash space: values in [from, to) of 0..10000 map to it. */
export type StickyRange = { group: string; to: number };

const EPSILON = 1e-6;

export function validateWeights(service: string, weights: Weights): Weights {
  const entries = Object.entries(weights);
  if (entries.length === 0) {
    throw RouterErrors.invalidWeights(`weights for service ${service} name no group; they must sum to 100`);
  }
  let sum = 0;
  for (const [group, pct] of entries) {
    if (group === "") {
      throw RouterErrors.invalidWeights(`weights for service ${service}: group name must not be empty`);
    }
    if (typeof pct !== "number" || !Number.isFinite(pct) || pct < 0 || pct > 100) {
      throw RouterErrors.invalidWeights(
        `weights for service ${service}: group ${group} has ${String(pct)}; each weight must be a number in 0..100`,
      );
    }
    sum += pct;
  }
  if (Math.abs(sum - 100) > EPSILON) {
    throw RouterErrors.invalidWeights(
      `weights for service ${service} sum to ${sum}, not 100 (${entries.map(([g, p]) => `${g}=${p}`).join(", ")})`,
    );
  }
  return Object.freeze(Object.fromEntries(entries));
}

/**
 * Orders groups so that raising a non-stable group's share only moves sticky clients from stable
 * into it (never between two canaries, never back): named groups first by name, stable last.
 */
export function stickyRanges(weights: Weights): StickyRange[] {
  const groups = Object.keys(weights)
    .filter((g) => (weights[g] ?? 0) > 0)
    .sort((a, b) => (a === DEFAULT_GROUP ? 1 : b === DEFAULT_GROUP ? -1 : a < b ? -1 : a > b ? 1 : 0));
  let acc = 0;
  return groups.map((group) => {
    acc += (weights[group] ?? 0) * 100;
    return { group, to: acc };
  });
}

/** FNV-1a (32 bit) with a final mix: fast, allocation-free, and stable across processes and restarts. */
export function hashValue(value: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // murmur3 finalizer: FNV alone leaves similar short keys ("user-1", "user-2") clustered mod 10000.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The group a sticky value belongs to under the given ranges (undefined when no range has weight). */
export function stickyGroupOf(ranges: readonly StickyRange[], value: string): string | undefined {
  if (ranges.length === 0) {
    return undefined;
  }
  const point = hashValue(value) % 10_000;
  for (const r of ranges) {
    if (point < r.to) {
      return r.group;
    }
  }
  // Rounding of fractional percentages can leave the top sliver uncovered.
  return ranges[ranges.length - 1]?.group;
}

/**
 * Checks a stickiness setting and returns it as the router stores it (header lower-cased);
 * undefined turns stickiness off. Shared with the data-plane client, which must refuse the same
 * input synchronously before it reaches the data plane.
 */
export function normalizeStickiness(service: string, s: Stickiness | undefined): Stickiness | undefined {
  if (s === undefined) {
    return undefined;
  }
  if (s.header === undefined && s.cookie === undefined) {
    throw RouterErrors.invalidRouterConfig(
      `stickiness for service ${service} names neither a header nor a cookie`,
    );
  }
  if (
    s.header === "" ||
    s.cookie === "" ||
    (s.cookie !== undefined && !/^[!#-'*+.0-9A-Z^-z|~-]+$/.test(s.cookie))
  ) {
    throw RouterErrors.invalidRouterConfig(
      `stickiness for service ${service}: header/cookie name is empty or invalid`,
    );
  }
  return {
    ...(s.header === undefined ? {} : { header: s.header.toLowerCase() }),
    ...(s.cookie === undefined ? {} : { cookie: s.cookie }),
  };
}
