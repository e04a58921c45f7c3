// The dashboard service over a real store: one unreadable stored body (a hand-edited database) is
// reported when opened and never hides the other dashboards from the list.
import { describe, expect, it } from "vitest";
import { openDb } from "../../store/db.js";
import { DashboardRepository } from "../../store/dashboards.js";
import { tempDir } from "../../test-support/line.js";
import { DashboardService } from "./service.js";
import type { SeriesIndex } from "./variable-query.js";

const noSeries: SeriesIndex = {
  labelNames: () => [],
  labelValues: () => [],
  series: () => [],
  instant: () => Promise.resolve([]),
};

describe("dashboard service", () => {
  it("lists every dashboard when one stored body no longer parses, and names it when opened", () => {
    const db = openDb(tempDir());
    try {
      const service = new DashboardService(new DashboardRepository(db), noSeries, () => 1000);
      service.save({ uid: "good", title: "Good", tags: ["a"] }, "test", 0);
      service.save({ uid: "bad", title: "Bad" }, "test", 0);
      db.prepare("UPDATE dashboards SET body = ? WHERE uid = ?").run('{"uid": "bad", "panels": 7}', "bad");
      expect(service.list().map((d) => [d.uid, d.tags])).toEqual([
        ["bad", []],
        ["good", ["a"]],
      ]);
      expect(() => service.get("bad")).toThrow(/stored dashboard bad is unreadable/);
    } finally {
      db.close();
    }
  });
});
