import { describe, expect, it } from "vitest";
import { SeriesCache, type CacheEntry } from "./cache.js";

/** One scrape of `lines` (series texts) through the cache, as the loop does it; returns the entries. */
function scrape(cache: SeriesCache, iter: number, lines: string[]): CacheEntry[] {
  const body = lines.map((l) => `${l} 1\n`).join("");
  const out: CacheEntry[] = [];
  cache.begin();
  let p = 0;
  for (const l of lines) {
    const e = cache.find(body, p, p + l.length) ?? cache.add(l, { __name__: l });
    if (e.seen !== iter) {
      e.seen = iter;
      cache.record(e);
    }
    out.push(e);
    p += l.length + 3;
  }
  cache.commitOrder();
  return out;
}

describe("SeriesCache", () => {
  it("finds every known series whatever the order: same, inserted, removed, shuffled", () => {
    const cache = new SeriesCache();
    const first = scrape(cache, 1, ["a", 'b{x="1"}', 'b{x="2"}', "c"]);
    const byKey = new Map(first.map((e) => [e.key, e]));
    const bodies = [
      ["a", 'b{x="1"}', 'b{x="2"}', "c"],
      ["a", "new", 'b{x="1"}', 'b{x="2"}', "c"],
      ["a", 'b{x="2"}', "c"],
      ["c", 'b{x="2"}', "a", 'b{x="1"}'],
    ];
    bodies.forEach((lines, i) => {
      const got = scrape(cache, i + 2, lines);
      got.forEach((e, j) => {
        expect(e.key).toBe(lines[j]);
        if (lines[j] !== "new") {
          expect(e).toBe(byKey.get(lines[j]!));
        }
      });
    });
    expect(cache.size).toBe(5);
  });

  it("keeps the last scrape's distinct series in body order", () => {
    const cache = new SeriesCache();
    scrape(cache, 1, ["a", "b", "c"]);
    scrape(cache, 2, ["b", "a", "b"]);
    expect(cache.lastOrder().map((e) => e.key)).toEqual(["b", "a"]);
  });

  it("does not mistake a series for the one predicted when only a prefix matches", () => {
    const cache = new SeriesCache();
    scrape(cache, 1, ['m{a="1"}', "n"]);
    const [e] = scrape(cache, 2, ['m{a="10"}', "n"]);
    expect(e?.key).toBe('m{a="10"}');
    expect(cache.size).toBe(3);
  });

  it("forgets series unseen since a given scrape", () => {
    const cache = new SeriesCache();
    scrape(cache, 1, ["a", "b"]);
    scrape(cache, 2, ["a"]);
    cache.evict(2);
    expect(cache.size).toBe(1);
    expect(scrape(cache, 3, ["a", "b"])[1]?.seen).toBe(3);
    expect(cache.size).toBe(2);
  });
});
