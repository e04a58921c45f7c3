// The Infrastructure page's wording of forecasts and rates.
import { describe, expect, it } from "vitest";
import { forecastText, formatFullIn, formatPercent, formatRate, soonestFullIn } from "./format.js";

describe("formatFullIn", () => {
  it("says minutes, hours or days, and never invents a date", () => {
    expect(formatFullIn(undefined)).toBe("not filling");
    expect(formatFullIn(Infinity)).toBe("not filling");
    expect(formatFullIn(0)).toBe("full now");
    expect(formatFullIn(600)).toBe("full in 10 min");
    expect(formatFullIn(5 * 3600)).toBe("full in 5.0 h");
    expect(formatFullIn(3.25 * 86_400)).toBe("full in 3.3 days");
    expect(formatFullIn(40 * 86_400)).toBe("full in 40 days");
    expect(formatFullIn(20 * 365 * 86_400)).toBe("full in > 10 years");
  });
});

describe("other formats", () => {
  it("formats percentages and rates, with a dash for what is missing", () => {
    expect(formatPercent(0.1234)).toBe("12.3 %");
    expect(formatPercent(undefined)).toBe("—");
    expect(formatRate(2048)).toBe("2.0 KiB/s");
    expect(formatRate(NaN)).toBe("—");
  });
  it("takes the sooner of two forecasts", () => {
    expect(soonestFullIn(100, 50)).toBe(50);
    expect(soonestFullIn(undefined, 50)).toBe(50);
    expect(soonestFullIn(undefined, undefined)).toBeUndefined();
  });
});

describe("forecastText", () => {
  it("shows no date before the trend has seen an hour", () => {
    expect(forecastText(600, undefined)).toBe("collecting data (0 of 60 min)");
    expect(forecastText(600, 25 * 60)).toBe("collecting data (25 of 60 min)");
    expect(forecastText(600, 3600)).toBe("full in 10 min");
    expect(forecastText(undefined, 6 * 3600)).toBe("not filling");
  });
});
