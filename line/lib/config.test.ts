// The env contract: required PORT, defaults, and clear errors for malformed values.
import { describe, expect, it } from "vitest";
import { ConfigError, readBaseConfig, readRate, readUrl } from "./config.js";
import { profileFor } from "./version.js";

describe("readBaseConfig", () => {
  it("requires PORT and defaults HOST and SERVICE_VERSION", () => {
    expect(() => readBaseConfig({})).toThrow(ConfigError);
    expect(readBaseConfig({ PORT: "8080" })).toMatchObject({
      host: "127.0.0.1",
      port: 8080,
      version: "1.0.0",
    });
    expect(readBaseConfig({ PORT: "1", HOST: "0.0.0.0", SERVICE_VERSION: "1.1.0" })).toMatchObject({
      host: "0.0.0.0",
      version: "1.1.0",
    });
  });

  it("rejects a port that is not an integer in range", () => {
    for (const PORT of ["abc", "70000", "-1", "1.5"]) {
      expect(() => readBaseConfig({ PORT })).toThrow(/PORT must be an integer/);
    }
  });
});

describe("dependency URLs and rates", () => {
  it("treats an unset URL as not wired and strips trailing slashes", () => {
    expect(readUrl({}, "PLC_GATEWAY_URL")).toBeUndefined();
    expect(readUrl({ X: "http://h:1/front/" }, "X")).toBe("http://h:1/front");
    expect(() => readUrl({ X: "not a url" }, "X")).toThrow(ConfigError);
  });

  it("accepts rates in [0, 1] only", () => {
    expect(readRate({ R: "0" }, "R", 0.5)).toBe(0);
    expect(readRate({}, "R", 0.5)).toBe(0.5);
    expect(() => readRate({ R: "2" }, "R", 0.5)).toThrow(ConfigError);
  });
});

describe("profileFor", () => {
  it("makes 1.1.0 faster, marks -faulty releases, and treats unknown versions as baseline", () => {
    expect(profileFor("1.1.0").cycleFactor).toBeLessThan(profileFor("1.0.0").cycleFactor);
    expect(profileFor("1.2.0-faulty").faulty).toBe(true);
    expect(profileFor("1.3.0-faulty").faulty).toBe(true);
    expect(profileFor("2.0.0")).toEqual({ cycleFactor: 1, faulty: false });
  });
});
