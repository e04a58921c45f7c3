// The identity of a series in the TSDB, in one place: its key string is labelsKey() of src/model
// (sorted names; name NUL value SOH per pair), which is also the order blocks store series in and
// merges walk them in; the head indexes series by a 52-bit hash of the same sorted pairs.
import type { Labels } from "../../model/labels.js";

/** The key string of a label set (the TSDB imports it from here, with the hash and order). */
export { labelsKey } from "../../model/labels.js";

/**
 * labelsKey() of a series stored as symbol ids, pairs[from..to) = name, value, ... sorted by name
 * (blocks and the head store them so): no Labels object built.
 */
export function labelsKeyOfPairs(
  symbols: readonly string[],
  pairs: ArrayLike<number>,
  from: number,
  to: number,
): string {
  let key = "";
  for (let p = from; p < to; p += 2) {
    key += `${symbols[pairs[p]!]!}\u0000${symbols[pairs[p + 1]!]!}\u0001`;
  }
  return key;
}

/**
 * Orders two series stored as symbol-id pairs (sorted by name) as their labelsKey() strings sort,
 * without building the strings: a block cut sorts every series and must not allocate a key each.
 */
export function comparePairs(
  symA: readonly string[],
  pairsA: ArrayLike<number>,
  fromA: number,
  toA: number,
  symB: readonly string[],
  pairsB: ArrayLike<number>,
  fromB: number,
  toB: number,
): number {
  let pa = fromA;
  let pb = fromB;
  for (; pa < toA && pb < toB; pa++, pb++) {
    const x = symA[pairsA[pa]!]!;
    const y = symB[pairsB[pb]!]!;
    if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return toA - pa - (toB - pb);
}

/** The head's 52-bit hash of a label set given its sorted names (empty values already removed). */
export function seriesHash(names: readonly string[], labels: Labels): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (const n of names) {
    const v = labels[n]!;
    for (let j = 0; j < n.length; j++) {
      const c = n.charCodeAt(j);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    }
    h1 = Math.imul(h1 ^ 0xff, 0x01000193);
    for (let j = 0; j < v.length; j++) {
      const c = v.charCodeAt(j);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    }
    h1 = Math.imul(h1 ^ 0xfe, 0x01000193);
    h2 = Math.imul(h2 ^ 0xfe, 0x5bd1e995);
  }
  return (h1 >>> 0) * 2 ** 20 + ((h2 >>> 0) & 0xfffff);
}
