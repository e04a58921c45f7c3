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

  it("answers a chained variable with the selection of the variables its query refers to", async () => {
    const db = openDb(tempDir());
    try {
      const asked: string[][] = [];
      const index: SeriesIndex = {
        ...noSeries,
        labelValues: (_name, match) => {
          asked.push(match);
          return ["a:1", "b:2"];
        },
      };
      const service = new DashboardService(new DashboardRepository(db), index, () => 1000);
      service.save(
        {
          uid: "chain",
          title: "Chain",
          variables: [
            { name: "job", type: "query", query: "label_values(job)", multi: true },
            { name: "instance", type: "query", query: 'label_values(up{job=~"$job"}, instance)' },
          ],
        },
        "test",
        0,
      );
      expect(
        await service.variableValues("chain", "instance", 0, 1000, { job: ["press", "oven.1"] }),
      ).toEqual(["a:1", "b:2"]);
      expect(asked.at(-1)).toEqual(['up{job=~"(press|oven\\\\.1)"}']);
      await expect(service.variableValues("chain", "instance", 0, 1000)).rejects.toThrow(
        /variable instance depends on variable job: give its selection as var-job/,
      );
    } finally {
      db.close();
    }
  });
});
