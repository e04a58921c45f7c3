import { describe, expect, it } from "vitest";
import { reportsSchema, sloSchema } from "./slo-schema.js";

describe("lineops.yaml slo and reports", () => {
  it("default to the 99.9 % the shipped burn alerts assume, over 30 days, and 90 days of files", () => {
    expect(sloSchema.parse(undefined)).toEqual({ window: 30 * 86_400_000, objective: 99.9, services: {} });
    expect(reportsSchema.parse(undefined)).toEqual({ retention: 90 * 86_400_000, max_files: 500 });
  });

  it("refuse a 100 % objective, unknown keys and a window out of range, naming the key", () => {
    const r = sloSchema.safeParse({
      window: "120d",
      objective: 100,
      services: { mes: { objective: 99, x: 1 } },
    });
    expect(r.error?.issues.map((i) => i.path.join("."))).toEqual(["window", "objective", "services.mes"]);
    expect(r.error?.issues[1]?.message).toMatch(/no error budget/);
  });
});
