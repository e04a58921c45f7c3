import { describe, expect, it } from "vitest";
import { classify, isFailure } from "./failures.js";

describe("classify", () => {
  it("names the router as the cause of its own 503", () => {
    const body = JSON.stringify({
      status: "error",
      errorType: "unavailable",
      error: "no ready instance of service line-controller accepted the connection",
    });
    expect(classify({ kind: "response", status: 503, body })).toBe(
      "503 router: no ready instance of service line-controller accepted the connection",
    );
  });

  it("unwraps a router 503 that a line service passed on as dependency_failed", () => {
    const inner = JSON.stringify({
      status: "error",
      errorType: "unavailable",
      error: "no ready instance of service station-controller serves station 3",
    });
    const body = JSON.stringify({
      error: "dependency_failed",
      message: `station-controller answered 503: ${inner}`,
      dependency: "station-controller",
      dependencyStatus: 503,
    });
    expect(classify({ kind: "response", status: 502, body })).toBe(
      "502 service dependency_failed: station-controller 503 (router: no ready instance of service station-controller serves station 3)",
    );
  });

  it("keeps instance ids out of the label", () => {
    const body = JSON.stringify({
      status: "error",
      error: "instance station-controller-3-1a2b3c4d of service station-controller failed: socket hang up",
    });
    expect(classify({ kind: "response", status: 502, body })).toBe(
      "502 router: instance station-controller-N-<id> of service station-controller failed: socket hang up",
    );
  });

  it("labels service errors, connection errors and timeouts", () => {
    const defect = JSON.stringify({ error: "simulated_defect", message: "work order lost" });
    expect(classify({ kind: "response", status: 500, body: defect })).toBe("500 service simulated_defect");
    expect(classify({ kind: "error", code: "ECONNRESET" })).toBe("conn ECONNRESET");
    expect(classify({ kind: "timeout" })).toBe("timeout");
    expect(classify({ kind: "response", status: 502, body: "<html>" })).toBe("502 (non-JSON body)");
  });
});

describe("isFailure", () => {
  it("counts 5xx, connection errors and timeouts, not 4xx", () => {
    expect(isFailure({ kind: "response", status: 201, body: "" })).toBe(false);
    expect(isFailure({ kind: "response", status: 409, body: "" })).toBe(false);
    expect(isFailure({ kind: "response", status: 500, body: "" })).toBe(true);
    expect(isFailure({ kind: "error", code: "ECONNREFUSED" })).toBe(true);
    expect(isFailure({ kind: "timeout" })).toBe(true);
  });
});
