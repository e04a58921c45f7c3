import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openDb } from "./db.js";
import { StoreErrors } from "./errors.js";
import { FrontDoorRepository } from "./front-doors.js";

const repo = (now = () => 1000) =>
  new FrontDoorRepository(openDb(mkdtempSync(path.join(tmpdir(), "lineops-fd-"))), now);

describe("front-door port repository", () => {
  it("assigns, moves, lists and removes a service's port", () => {
    let t = 1000;
    const doors = repo(() => t);
    expect(doors.get("line-controller")).toBeUndefined();
    expect(doors.assign("line-controller", 24001)).toEqual({
      service: "line-controller",
      port: 24001,
      assignedAt: 1000,
    });
    t = 2000;
    // The same port again keeps the time the address was first handed out.
    expect(doors.assign("line-controller", 24001).assignedAt).toBe(1000);
    doors.assign("plc-gateway", 24002);
    expect(doors.assign("line-controller", 24003)).toEqual({
      service: "line-controller",
      port: 24003,
      assignedAt: 2000,
    });
    expect(doors.all()).toEqual([
      { service: "line-controller", port: 24003, assignedAt: 2000 },
      { service: "plc-gateway", port: 24002, assignedAt: 2000 },
    ]);
    expect(doors.ownerOf(24002)?.service).toBe("plc-gateway");
    // The moved-from port is free for another service.
    expect(doors.assign("mes-connector", 24001).port).toBe(24001);
    expect(doors.remove("plc-gateway")).toBe(true);
    expect(doors.remove("plc-gateway")).toBe(false);
    expect(doors.get("plc-gateway")).toBeUndefined();
  });

  it("never gives one port to two services", () => {
    const doors = repo();
    doors.assign("line-controller", 24001);
    let err: (Error & { code?: string }) | undefined;
    try {
      doors.assign("plc-gateway", 24001);
    } catch (e) {
      err = e as Error & { code?: string };
    }
    expect(err?.code).toBe(StoreErrors.frontDoorPortTaken.code);
    expect(err?.message).toBe(
      'front door of service "plc-gateway": port 24001 is already the front door of service "line-controller"',
    );
    expect(doors.all()).toEqual([{ service: "line-controller", port: 24001, assignedAt: 1000 }]);
  });
});
