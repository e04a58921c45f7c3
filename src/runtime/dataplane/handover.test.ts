// Upgrading the data plane: a running data plane of another build hands its listening sockets to
// its successor, so requests arriving throughout (each on a new connection) are never refused;
// the successor serves the same table on the same ports and the old one exits.
import { once } from "node:events";

import { describe, expect, it } from "vitest";

import { waitFor } from "../../test-support/wait.js";
import { isSameProcess } from "./identity.js";
import { connectOrSpawn } from "./spawn.js";
import { dataPlaneHarness } from "./test-support/harness.js";

const h = dataPlaneHarness();

// Two loops of GETs, each on a fresh connection, for `ms`; then one JSON line with the outcome.
const LOAD = `
const http = require("node:http");
const [url, ms] = [process.argv[1], Number(process.argv[2])];
const end = Date.now() + ms;
const out = { ok: 0, failed: 0, errors: [] };
let running = 2;
function loop() {
  if (Date.now() > end) { if (--running === 0) { process.stdout.write(JSON.stringify(out) + "\\n"); process.exit(0); } return; }
  http.get(url, { agent: false, timeout: 3000 }, (res) => {
    res.resume();
    res.on("end", () => { if (res.statusCode === 200) out.ok++; else { out.failed++; out.errors.push(res.statusCode); } loop(); });
  }).on("timeout", function () { this.destroy(new Error("timeout")); }).on("error", (e) => { out.failed++; out.errors.push(e.code || e.message); loop(); });
}
loop(); loop();
`;

describe("data plane handover", () => {
  it("hands its doors to a data plane of another build without refusing a connection", async () => {
    const dir = h.dataDir();
    const b1 = await h.backend("b1");
    const client = await h.client(dir);
    const addr = await client.listen("line-controller");
    client.setBackends("line-controller", [{ instanceId: "b1", host: b1.host, port: b1.port }]);
    client.setWeights("line-controller", { stable: 100 });
    await client.flush();
    const before = await client.table();
    const oldConn = client.connection;
    await client.detach();

    const load = h.child(process.execPath, ["-e", LOAD, addr.url, "4000"]);
    let output = "";
    load.stdout?.on("data", (c: Buffer) => (output += c.toString()));
    await new Promise((r) => setTimeout(r, 500));

    // The lineops that starts now would run another build: the running data plane hands over.
    const conn = await connectOrSpawn({ ...h.spawnOptions(dir), build: "next-build" });
    expect(conn.handedOverFrom?.pid).toBe(oldConn?.pid);
    expect(conn.pid).not.toBe(oldConn?.pid);
    expect(conn.spawned).toBe(true);

    await once(load, "exit");
    const result = JSON.parse(output) as { ok: number; failed: number; errors: unknown[] };
    expect(result.errors).toEqual([]);
    expect(result.ok).toBeGreaterThan(50);

    // The successor serves the same table on the same port; the old data plane is gone.
    const again = await h.client(dir, { handover: false });
    expect(again.connection?.pid).toBe(conn.pid);
    expect(await again.table()).toEqual(before);
    expect(again.addressOf("line-controller")).toEqual(addr);
    const old = oldConn ?? { pid: 0, startTime: null };
    await waitFor(() => !isSameProcess(old), 15_000, "the old data plane to exit");
    // Two data-plane starts under tsx on a shared 2-core machine: generous, never a timing assert.
  }, 90_000);

  it("keeps the running data plane when handover is off, whatever its build", async () => {
    const dir = h.dataDir();
    const first = await connectOrSpawn(h.spawnOptions(dir));
    const second = await connectOrSpawn({ ...h.spawnOptions(dir), build: "next-build", handover: false });
    expect(second).toMatchObject({ pid: first.pid, spawned: false });
    expect(second.handedOverFrom).toBeUndefined();
  });
});
