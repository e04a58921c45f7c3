import { mkdtempSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "../store/db.js";
import { FrontDoorRepository } from "../store/front-doors.js";
import { frontDoorPortInUse, RuntimeErrors } from "./errors.js";
import { FrontDoorPorts } from "./front-door-ports.js";
import { PortAllocator } from "./process/ports.js";

// The real store and allocator: a lineops "restart" is a second resolver over a reopened database
// with a fresh allocator, as main.ts builds them at every start.
const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) {
    db.close();
  }
});

function start(dir: string, range = { min: 29400, max: 29499 }) {
  const db = openDb(dir);
  open.push(db);
  const store = new FrontDoorRepository(db);
  const pool = new PortAllocator("127.0.0.1", range);
  return { db, store, pool, doors: new FrontDoorPorts(store, pool) };
}

const dataDir = () => mkdtempSync(path.join(tmpdir(), "lineops-front-doors-"));

function listen(port: number): Promise<net.Server> {
  const srv = net.createServer();
  return new Promise((resolve) => srv.listen({ host: "127.0.0.1", port }, () => resolve(srv)));
}

describe("FrontDoorPorts", () => {
  it("keeps each service's port across a restart, even while the old data plane still listens on it", async () => {
    const dir = dataDir();
    const first = start(dir);
    const lc = await first.doors.portFor("line-controller");
    const plc = await first.doors.portFor("plc-gateway");
    expect(lc).not.toBe(plc);
    expect(first.pool.isReserved(lc)).toBe(true);
    expect(await first.doors.portFor("line-controller")).toBe(lc);
    first.db.close();
    open.splice(0);

    // The data plane outlived lineops and still holds line-controller's front door.
    const dataPlane = await listen(lc);
    try {
      const second = start(dir);
      expect(second.doors.reserveAll().sort()).toEqual([lc, plc].sort());
      expect(await second.doors.portFor("line-controller")).toBe(lc);
      expect(await second.doors.portFor("plc-gateway")).toBe(plc);
      expect(
        second.store
          .all()
          .map((r) => r.port)
          .sort(),
      ).toEqual([lc, plc].sort());
    } finally {
      await new Promise((r) => dataPlane.close(r));
    }
  });

  it("reserveAll keeps instances off every kept port before its service is reconciled", async () => {
    const dir = dataDir();
    const range = { min: 29510, max: 29511 };
    const first = start(dir, range);
    first.store.assign("line-controller", 29510);
    const restarted = start(dir, range);
    restarted.doors.reserveAll();
    expect(await restarted.pool.allocate()).toBe(29511); // an instance's port
    await expect(restarted.pool.allocate()).rejects.toMatchObject({ code: RuntimeErrors.noFreePort.code });
  });

  it("never allocates a port kept for another service, even without reserveAll", async () => {
    const one = start(dataDir(), { min: 29520, max: 29520 });
    one.store.assign("line-controller", 29520);
    await expect(one.doors.portFor("mes-connector")).rejects.toMatchObject({
      code: RuntimeErrors.noFreePort.code,
    });
    expect(one.store.get("mes-connector")).toBeUndefined();
    expect(one.pool.isReserved(29520)).toBe(true); // tried, found kept, left reserved for its service

    const two = start(dataDir(), { min: 29522, max: 29523 });
    two.store.assign("line-controller", 29522);
    expect(await two.doors.portFor("plc-gateway")).toBe(29523);
  });

  it("records a declared port in place of the kept one and keeps it once the declaration goes", async () => {
    const { store, pool, doors } = start(dataDir());
    const allocated = await doors.portFor("quality-inspection");
    expect(await doors.portFor("quality-inspection", 29600)).toBe(29600);
    expect(store.get("quality-inspection")?.port).toBe(29600);
    expect(pool.isReserved(29600)).toBe(true);
    expect(pool.isReserved(allocated)).toBe(false); // the old port is free for others again
    // port: removed from line.yaml: the service keeps the address its clients know.
    expect(await doors.portFor("quality-inspection")).toBe(29600);
  });

  it("refuses a declared port that is another service's front door, naming both and the port", async () => {
    const { store, doors } = start(dataDir());
    const lc = await doors.portFor("line-controller");
    await expect(doors.portFor("plc-gateway", lc)).rejects.toMatchObject({
      code: RuntimeErrors.frontDoorPortTaken.code,
      message:
        `front door of service "plc-gateway": port ${lc} is declared in line.yaml but is already the front ` +
        `door of service "line-controller"; declare another port for "plc-gateway", or give "line-controller" ` +
        "a port: of its own first (its address then changes)",
    });
    expect(store.all().map((r) => r.service)).toEqual(["line-controller"]);
    // Declaring the port a service already has is fine.
    expect(await doors.portFor("line-controller", lc)).toBe(lc);
  });

  it("refuses a declared port that is not a TCP port", async () => {
    const { store, doors } = start(dataDir());
    for (const bad of [0, -1, 65536, 1.5, Number.NaN]) {
      await expect(doors.portFor("line-controller", bad)).rejects.toMatchObject({
        code: RuntimeErrors.invalidFrontDoorPort.code,
      });
    }
    expect(store.all()).toEqual([]);
  });

  it("gives concurrent first starts of one service one port", async () => {
    const { store, pool, doors } = start(dataDir(), { min: 29530, max: 29531 });
    const got = await Promise.all([doors.portFor("station-controller"), doors.portFor("station-controller")]);
    expect(got[0]).toBe(got[1]);
    expect(store.all()).toHaveLength(1);
    // No second port left reserved behind the stored one: the other port of the range is still free.
    expect(await pool.allocate()).not.toBe(got[0]);
  });

  it("remove() forgets the port and returns it to the pool", async () => {
    const { store, pool, doors } = start(dataDir());
    const port = await doors.portFor("mes-connector");
    expect(doors.remove("mes-connector")).toBe(port);
    expect(store.get("mes-connector")).toBeUndefined();
    expect(pool.isReserved(port)).toBe(false);
    expect(doors.remove("mes-connector")).toBeUndefined();
  });

  it("names the service and port when a foreign process holds a front door's port", () => {
    const err = frontDoorPortInUse("line-controller", 26734);
    expect(err.code).toBe("LINEOPS_ERR_FRONT_DOOR_PORT_IN_USE");
    expect(err.message).toMatch(
      /^front door of service "line-controller": port 26734 is already in use by another process/,
    );
  });
});
