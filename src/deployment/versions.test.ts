import { describe, expect, it } from "vitest";
import { compareVersions, parseConstraint, satisfies } from "./versions.js";

describe("version constraints", () => {
  it("orders versions numerically, a pre-release before its release", () => {
    expect(compareVersions("1.10.0", "1.9.0")).toBeGreaterThan(0);
    expect(compareVersions("1.1", "1.1.0")).toBe(0);
    expect(compareVersions("1.2.0-faulty", "1.2.0")).toBeLessThan(0);
    expect(compareVersions("1.2.0-faulty", "1.1.0")).toBeGreaterThan(0);
  });

  it("checks constraints", () => {
    expect(satisfies("1.1.0", ">=1.1")).toBe(true);
    expect(satisfies("1.0.0", ">=1.1")).toBe(false);
    expect(satisfies("1.5.0", ">=1.1, <2")).toBe(true);
    expect(satisfies("2.0.0", ">=1.1 <2")).toBe(false);
    expect(satisfies("1.2.0", "1.2.0")).toBe(true);
    expect(parseConstraint("~> 1")).toBeUndefined();
  });
});
