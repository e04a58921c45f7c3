// The Services page's pure parts: whose resource use a series is, formats, and the live stream's
// query push merge.
import { describe, expect, it } from "vitest";
import { mergePush, type QueryPush } from "../../api/live.js";
import type { InstanceView } from "./api.js";
import { formatAge, formatBytes, formatCores, usageByInstance, type Head } from "./resources.js";

const inst = (id: string, service: string, over: Partial<InstanceView> = {}): InstanceView => ({
  id,
  service,
  revision: "r",
  version: "1",
  state: "ready",
  host: "127.0.0.1",
  port: 1,
  restarts: 0,
  pid: 100,
  ...over,
});
const sample = (metric: Record<string, string>, v: number): Head[number] => ({
  metric,
  value: [1, String(v)],
});

describe("resource use per instance", () => {
  it("is the instance's own with one live instance, shared with several, none for a stopped one", () => {
    const head: Head = [
      sample({ service: "plc", job: "node", instance: "host:9470" }, 0.1),
      sample({ service: "station", job: "node", instance: "host:9470" }, 0.2),
    ];
    const one = usageByInstance(head, [
      inst("plc-1", "plc"),
      inst("plc-2", "plc", { state: "stopped", pid: undefined }),
    ]);
    expect(one.get("plc-1")).toEqual({ kind: "own", value: 0.1 });
    expect(one.get("plc-2")).toEqual({ kind: "none" });
    const many = usageByInstance(head, [inst("s-1", "station"), inst("s-2", "station")]);
    expect(many.get("s-1")).toEqual({ kind: "shared", value: 0.2, instances: 2 });
  });

  it("takes a series that names the instance as that instance's (separated series, P11)", () => {
    const head: Head = [sample({ service: "station", lineops_instance: "s-2" }, 0.3)];
    const u = usageByInstance(head, [inst("s-1", "station"), inst("s-2", "station")]);
    expect(u.get("s-2")).toEqual({ kind: "own", value: 0.3 });
    expect(u.get("s-1")).toEqual({ kind: "shared", value: 0.3, instances: 2 });
    expect(usageByInstance([], [inst("a", "x")]).get("a")).toEqual({ kind: "none" });
  });

  it("formats bytes, cores and ages", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(64 * 1024 * 1024)).toBe("64.0 MiB");
    expect(formatCores(0.12)).toBe("120m");
    expect(formatCores(1.5)).toBe("1.50");
    expect(formatAge(0, 59_000)).toBe("59s");
    expect(formatAge(0, 3_725_000)).toBe("1h 2m");
    expect(formatAge(0, 50 * 3_600_000)).toBe("2d 2h");
  });
});

describe("live query pushes", () => {
  const push = (over: Partial<QueryPush>): QueryPush => ({
    id: "q1",
    reset: false,
    resultType: "matrix",
    start: 0,
    end: 30,
    step: 10,
    result: [],
    head: [],
    ...over,
  });

  it("replace on reset, and otherwise replace points from the push's first time on, dropping those before start", () => {
    const first = push({
      reset: true,
      result: [
        {
          metric: { job: "a" },
          values: [
            [0, "1"],
            [10, "2"],
            [20, "3"],
          ],
        },
      ],
    });
    const next = push({
      start: 10,
      end: 40,
      result: [
        {
          metric: { job: "a" },
          values: [
            [20, "3.5"],
            [30, "4"],
          ],
        },
        { metric: { job: "b" }, values: [[30, "9"]] },
      ],
    });
    const merged = mergePush(first, next);
    expect(merged.result).toEqual([
      {
        metric: { job: "a" },
        values: [
          [10, "2"],
          [20, "3.5"],
          [30, "4"],
        ],
      },
      { metric: { job: "b" }, values: [[30, "9"]] },
    ]);
    expect(mergePush(merged, push({ reset: true, result: [] })).result).toEqual([]);
  });
});
