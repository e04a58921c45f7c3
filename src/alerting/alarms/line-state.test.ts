// The line states alarm suppression reads, from the sample line's one-hot gauges in a real TSDB
// through monitoring's PromQL query interface: line_state{state} and station_state{station,state}.
import { afterEach, describe, expect, it } from "vitest";
import { Engine } from "../../monitoring/promql/engine.js";
import { promqlQuerier } from "../../monitoring/query.js";
import { Tsdb } from "../../monitoring/tsdb/tsdb.js";
import { tempDir } from "../../test-support/line.js";
import { lineStatesFromQuerier } from "./ports.js";

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const open: { close(): void }[] = [];
afterEach(() => open.splice(0).forEach((x) => x.close()));

describe("lineStatesFromQuerier", () => {
  it("reads the states that are 1 now, with their line and station", async () => {
    const db = Tsdb.open(`${tempDir("lineops-alarm-states-")}/tsdb`, { autoCompact: false });
    open.push(db);
    const app = db.appender();
    for (const state of ["running", "changeover", "stopped"]) {
      app.append({ __name__: "line_state", line: "line-1", state }, T0, state === "changeover" ? 1 : 0);
    }
    for (const [station, state, v] of [
      ["1", "idle", 1],
      ["1", "running", 0],
      ["2", "running", 1],
    ] as const) {
      app.append({ __name__: "station_state", station, state }, T0, v);
    }
    app.commit();
    const states = await lineStatesFromQuerier(promqlQuerier(new Engine({}), db)).states(T0 + 1000);
    expect(states).toEqual([
      { line: "line-1", state: "changeover" },
      { station: "1", state: "idle" },
      { station: "2", state: "running" },
    ]);
  });
});
