// The autoscaling block of line.yaml: bad specs are refused with the field at fault named.
import { describe, expect, it } from "vitest";
import { lineSchema } from "./line-schema.js";

const issues = (service: Record<string, unknown>) =>
  lineSchema
    .safeParse({ services: [{ name: "api", version: "1.0.0", command: "node", ...service }] })
    .error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];

const cpu50 = { type: "resource", name: "cpu", targetUtilization: 50 };

describe("line.yaml autoscaling", () => {
  it("accepts a valid block", () => {
    expect(issues({ resources: { cpu: "250m" }, autoscaling: { maxReplicas: 4, metrics: [cpu50] } })).toEqual(
      [],
    );
  });

  it("needs the request a utilisation target is a percentage of", () => {
    expect(issues({ autoscaling: { maxReplicas: 4, metrics: [cpu50] } })).toEqual([
      expect.stringMatching(/^services\.0\.autoscaling\.metrics\.0\.targetUtilization: .*resources\.cpu/),
    ]);
  });

  it("refuses a per-station service, min > max, a zero target and an unknown key", () => {
    expect(
      issues({ stations: ["1"], resources: { cpu: 1 }, autoscaling: { maxReplicas: 2, metrics: [cpu50] } }),
    ).toEqual([expect.stringMatching(/^services\.0\.autoscaling: .*per-station/)]);
    expect(
      issues({ resources: { cpu: 1 }, autoscaling: { minReplicas: 3, maxReplicas: 2, metrics: [cpu50] } })[0],
    ).toMatch(/^services\.0\.autoscaling\.minReplicas: /);
    expect(
      issues({
        autoscaling: {
          maxReplicas: 2,
          metrics: [{ type: "pods", name: "rps", query: "x", targetAverageValue: 0 }],
        },
      })[0],
    ).toMatch(/^services\.0\.autoscaling\.metrics\.0\.targetAverageValue/);
    expect(issues({ autoscaling: { maxReplicas: 2, metrics: [], speed: 1 } }).join("\n")).toMatch(/speed/);
  });
});
