import { describe, expect, it } from "vitest";
import { errorText } from "./error-text.js";

describe("errorText", () => {
  it.each([
    ["POST https://hooks.slack.com/services/T0/B0/SECRET failed", "POST https://hooks.slack.com/… failed"],
    [
      "connect to https://user:pw@gw.example:8443/send?token=abc refused",
      "connect to https://gw.example:8443/… refused",
    ],
    ["http://127.0.0.1:9/ down", "http://127.0.0.1:9 down"],
    ["HTTP 503", "HTTP 503"],
  ])("keeps no secret of %j", (input, want) => {
    expect(errorText(input)).toBe(want);
  });

  it("bounds the length", () => {
    expect(errorText("x".repeat(10_000))).toHaveLength(500);
  });
});
