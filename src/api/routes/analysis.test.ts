// Trend analysis endpoints over data with known shape: a linear ramp, an outlier, a level shift
// (called in-process).
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLineops, type Lineops } from "../../main.js";
import { injectApi } from "../../test-support/api.js";
import { tempDir } from "../../test-support/line.js";

let lineops: Lineops;
let token = "";
const END = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
const START = END - 3600_000;

beforeAll(async () => {
  lineops = await startLineops({ dataDir: tempDir(), port: 0, logger: pino({ level: "silent" }) });
  token = lineops.tokens.create("v", "viewer").token;
  const app = lineops.monitoring.storage.appender();
  for (let t = START; t <= END; t += 15_000) {
    const minutes = (t - START) / 60_000;
    app.append({ __name__: "disk_used_bytes", mount: "/data" }, t, 1000 + 10 * minutes); // +10 per minute
    app.append(
      { __name__: "cycle_time_seconds", station: "3" },
      t,
      t === END ? 9 : 2 + ((t / 15_000) % 3) * 0.01,
    );
    app.append({ __name__: "scrap_ratio", station: "3" }, t, t < END - 900_000 ? 0.01 : 0.05); // shift 15 min ago
  }
  app.commit();
});

afterAll(async () => {
  await lineops?.stop();
});

const api = injectApi(() => lineops);
const get = (path: string) => api("GET", path, { token });

describe("trend analysis API", () => {
  it("forecasts a linear ramp", async () => {
    const { body } = await get(
      `/api/v1/analysis/forecast?query=disk_used_bytes&time=${END / 1000}&range=1h&step=1m&horizon=30m`,
    );
    const [s] = body.data as { slopePerSecond: number; r2: number; atHorizon: number }[];
    expect(s?.slopePerSecond).toBeCloseTo(10 / 60, 6);
    expect(s?.r2).toBeCloseTo(1, 6);
    expect(s?.atHorizon).toBeCloseTo(1000 + 10 * 90, 3);
  });

  it("scores an outlier with a robust z-score", async () => {
    const { body } = await get(
      `/api/v1/analysis/anomaly?query=cycle_time_seconds&time=${END / 1000}&range=1h&step=15s`,
    );
    const [s] = body.data as { latest: number; score: number }[];
    expect(s?.latest).toBe(9);
    expect(s?.score).toBeGreaterThan(100);
  });

  it("detects the level shift around an event and not elsewhere", async () => {
    const at = (END - 900_000) / 1000;
    const shifted = await get(`/api/v1/analysis/change?query=scrap_ratio&at=${at}&window=10m&step=15s`);
    const [s] = shifted.body.data as { changed: boolean; relativeChange: number; test: { pValue: number } }[];
    expect(s?.changed).toBe(true);
    expect(s?.relativeChange).toBeCloseTo(4, 6);
    const calm = await get(`/api/v1/analysis/change?query=scrap_ratio&at=${at - 1800}&window=10m&step=15s`);
    expect((calm.body.data[0] as { changed: boolean }).changed).toBe(false);
  });

  it("compares with the previous season", async () => {
    const { body } = await get(
      `/api/v1/analysis/seasonal?query=disk_used_bytes&time=${END / 1000}&season=30m&window=5m&step=1m`,
    );
    const [s] = body.data as { delta: number }[];
    expect(s?.delta).toBeCloseTo(300, 6);
  });

  it("rejects missing parameters with 400", async () => {
    expect((await get("/api/v1/analysis/change?query=up")).status).toBe(400);
    expect((await get("/api/v1/analysis/forecast?query=up&method=magic")).status).toBe(400);
  });

  it.each([
    // Before: 41 s at 100 % CPU computing 3e13 points, then out of heap (the process died).
    ["horizon=1000y&step=1ms", "range=10s&step=1ms&horizon=1000y", 400, "bad_data", /11,000 points/],
    ["step=0.0001", "range=10s&step=0.0001", 400, "bad_data", /below the 1 ms resolution/],
  ])("bounds a forecast with %s", async (_name, params, status, errorType, message) => {
    const { status: got, body } = await get(`/api/v1/analysis/forecast?query=disk_used_bytes&${params}`);
    expect(got).toBe(status);
    expect(body.errorType).toBe(errorType);
    expect(body.error).toMatch(message);
  });
});
