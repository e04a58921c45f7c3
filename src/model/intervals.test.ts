import { describe, expect, it } from "vitest";
import { intersectIntervals, subtractIntervals, totalMs, unionIntervals } from "./intervals.js";

describe("interval algebra", () => {
  it("subtracts, unites and intersects half-open intervals", () => {
    expect(
      subtractIntervals(
        [[0, 10]],
        [
          [2, 3],
          [5, 12],
        ],
      ),
    ).toEqual([
      [0, 2],
      [3, 5],
    ]);
    expect(
      unionIntervals([
        [[5, 8]],
        [
          [0, 2],
          [2, 4],
          [7, 9],
        ],
      ]),
    ).toEqual([
      [0, 4],
      [5, 9],
    ]);
    expect(
      intersectIntervals(
        [
          [0, 10],
          [20, 30],
        ],
        [
          [5, 25],
          [29, 40],
        ],
      ),
    ).toEqual([
      [5, 10],
      [20, 25],
      [29, 30],
    ]);
    expect(intersectIntervals([[0, 5]], [[5, 9]])).toEqual([]);
    expect(
      totalMs([
        [0, 2],
        [5, 9],
      ]),
    ).toBe(6);
  });
});
