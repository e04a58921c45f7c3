// Serialises query results as Prometheus's HTTP API does: timestamps as float seconds, values as strings
// formatted like Go's strconv.FormatFloat(v, 'f', -1, 64) ("NaN", "+Inf", shortest round-trip digits).
import type { Labels } from "../model.js";

/** A point as the engine returns it: [seconds, value]; toPrometheusJson() turns the value into a string. */
export type Point = [number, number];
type Notes = { warnings?: string[]; infos?: string[] };
export type QueryResult =
  | ({ resultType: "vector"; result: { metric: Labels; value: Point }[] } & Notes)
  | ({ resultType: "matrix"; result: { metric: Labels; values: Point[] }[] } & Notes)
  | ({ resultType: "scalar"; result: Point } & Notes)
  | ({ resultType: "string"; result: [number, string] } & Notes);

export type PromJsonSample = [number, string];
export type PromJsonData =
  | { resultType: "vector"; result: { metric: Labels; value: PromJsonSample }[] }
  | { resultType: "matrix"; result: { metric: Labels; values: PromJsonSample[] }[] }
  | { resultType: "scalar" | "string"; result: PromJsonSample };

/** Go's strconv.FormatFloat(v, 'f', -1, 64). */
export function formatFloat(v: number): string {
  if (Number.isNaN(v)) {
    return "NaN";
  }
  if (v === Infinity) {
    return "+Inf";
  }
  if (v === -Infinity) {
    return "-Inf";
  }
  if (Object.is(v, -0)) {
    return "-0";
  }
  const s = String(v);
  if (!s.includes("e")) {
    return s;
  }
  // Expand exponent notation without losing the shortest digits JS chose.
  const [mant, expStr] = s.split("e") as [string, string];
  const exp = Number(expStr);
  const neg = mant.startsWith("-");
  const digits = mant.replace("-", "").replace(".", "");
  const pointPos =
    (mant.replace("-", "").indexOf(".") === -1
      ? mant.replace("-", "").length
      : mant.replace("-", "").indexOf(".")) + exp;
  let out: string;
  if (pointPos <= 0) {
    out = "0." + "0".repeat(-pointPos) + digits;
  } else if (pointPos >= digits.length) {
    out = digits + "0".repeat(pointPos - digits.length);
  } else {
    out = digits.slice(0, pointPos) + "." + digits.slice(pointPos);
  }
  return neg ? "-" + out : out;
}

/** A timestamp in milliseconds as the API's float seconds. */
export function toSeconds(ms: number): number {
  return ms / 1000;
}

function sample(p: Point): PromJsonSample {
  return [p[0], formatFloat(p[1])];
}

/** sample() of every point, into an array sized once (range results run to millions of points). */
function samples(points: readonly Point[]): PromJsonSample[] {
  const out = new Array<PromJsonSample>(points.length);
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    out[i] = [p[0], formatFloat(p[1])];
  }
  return out;
}

/** The Prometheus API "data" object for a result (the status envelope is the HTTP layer's). */
export function toPrometheusJson(r: QueryResult): PromJsonData {
  switch (r.resultType) {
    case "vector":
      return {
        resultType: "vector",
        result: r.result.map((s) => ({ metric: s.metric, value: sample(s.value) })),
      };
    case "matrix":
      return {
        resultType: "matrix",
        result: r.result.map((s) => ({ metric: s.metric, values: samples(s.values) })),
      };
    case "scalar":
      return { resultType: "scalar", result: sample(r.result) };
    case "string":
      return { resultType: "string", result: r.result };
  }
}
