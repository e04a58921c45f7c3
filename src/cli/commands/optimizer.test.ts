import { describe, expect, it } from "vitest";
import { formatBytes, formatCores } from "./optimizer.js";

describe("recommend / capacity number formats", () => {
  it("write cores as Kubernetes does: millicores below a core, rounded up so a request never shrinks", () => {
    expect(formatCores(0.25)).toBe("250m");
    expect(formatCores(0.0251)).toBe("26m");
    expect(formatCores(1.5)).toBe("1.5");
    expect(formatCores(undefined)).toBeUndefined();
    expect(formatCores(NaN)).toBeUndefined();
  });
  it("write bytes in the largest binary unit with a whole part", () => {
    expect(formatBytes(512 * 2 ** 20)).toBe("512Mi");
    expect(formatBytes(1.5 * 2 ** 30)).toBe("1.5Gi");
    expect(formatBytes(1000)).toBe("1000");
    expect(formatBytes(-2)).toBe("-2");
    // Free memory of an overcommitted host is negative.
    expect(formatBytes(-2 * 2 ** 30)).toBe("-2Gi");
    expect(formatBytes(undefined)).toBeUndefined();
  });
});
