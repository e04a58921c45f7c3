import { describe, expect, it } from "vitest";
import { channelPolicySchema, DEFAULT_POLICY, resolvePolicy } from "./config.js";

describe("channel delivery policy", () => {
  it("reads the YAML shape into the worker's policy, defaults filled in", () => {
    const config = channelPolicySchema.parse({
      fallback: "sms",
      max_attempts: 5,
      breaker: { failure_threshold: 3, cool_down: "1m" },
      rate_limit: { per_second: 1, burst: 3 },
    });
    expect(resolvePolicy(config)).toEqual({
      fallback: "sms",
      maxAttempts: 5,
      breaker: { failureThreshold: 3, coolDownMs: 60_000 },
      rateLimit: { perSecond: 1, burst: 3 },
    });
    expect(resolvePolicy(undefined)).toEqual(DEFAULT_POLICY);
    expect(resolvePolicy(channelPolicySchema.parse({}))).toEqual(DEFAULT_POLICY);
  });

  it.each([
    ["an unknown key", { retries: 3 }],
    ["zero attempts", { max_attempts: 0 }],
    ["a cool-down that is not a duration", { breaker: { failure_threshold: 1, cool_down: "soon" } }],
    ["a zero rate", { rate_limit: { per_second: 0, burst: 1 } }],
    ["an empty fallback", { fallback: "" }],
  ])("refuses %s", (_what, input) => {
    expect(channelPolicySchema.safeParse(input).success).toBe(false);
  });
});
