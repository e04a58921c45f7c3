// Stable addresses: a service's front door keeps its port across lineops restarts without `port:`
// in line.yaml (allocated once, kept in the store); a graceful restart re-adopts the same instances
// and routing table; and a port held by a foreign process at start
// is an error naming the service and the port that leaves the rest of the line running.
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Lineops } from "../main.js";
import { smallLine, tempDir } from "../test-support/line.js";
import { startSettledLineops } from "../test-support/lineops.js";

const running: Lineops[] = [];
afterEach(async () => {
  for (const l of running.splice(0)) {
    await l.stop({ stopLine: true });
  }
});

async function start(dir: string, lineFile: string): Promise<Lineops> {
  const l = await startSettledLineops(dir, lineFile);
  running.push(l);
  return l;
}

const instancesOf = (l: Lineops) =>
  l.runtime
    .list()
    .map((i) => ({ id: i.id, pid: i.pid, port: i.port, revision: i.revision, state: i.state }))
    .sort((a, b) => a.id.localeCompare(b.id));

const portOf = (l: Lineops, service: string) => {
  const url = l.deployment.service(service).status.url;
  return url === undefined ? undefined : Number(new URL(url).port);
};

describe("front-door ports", () => {
  it("are the same after a restart, gracefully or with the line stopped", async () => {
    const dir = tempDir("lineops-ports-");
    const lineFile = smallLine(dir);
    const first = await start(dir, lineFile);
    const before = { plc: portOf(first, "plc-gateway"), qi: portOf(first, "quality-inspection") };
    expect(before.plc).toBeGreaterThan(0);
    const instancesBefore = instancesOf(first);
    const tableBefore = await first.frontDoors.table();
    expect(Object.keys(tableBefore.services).sort()).toEqual(["plc-gateway", "quality-inspection"]);
    running.pop();
    await first.stop({ stopLine: false });
    const second = await start(dir, lineFile);
    expect({ plc: portOf(second, "plc-gateway"), qi: portOf(second, "quality-inspection") }).toEqual(before);
    // Re-adopted as they were: the same processes on the same ports, the same routing table.
    expect(instancesOf(second)).toEqual(instancesBefore);
    expect(await second.frontDoors.table()).toEqual(tableBefore);
    running.pop();
    await second.stop({ stopLine: true });
    const third = await start(dir, lineFile);
    expect({ plc: portOf(third, "plc-gateway"), qi: portOf(third, "quality-inspection") }).toEqual(before);
  }, 60_000);

  it("held by a foreign process: an error naming service and port, the rest of the line runs", async () => {
    const dir = tempDir("lineops-ports-taken-");
    const lineFile = smallLine(dir);
    const first = await start(dir, lineFile);
    const port = portOf(first, "quality-inspection") as number;
    running.pop();
    await first.stop({ stopLine: true });
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen({ host: "127.0.0.1", port }, resolve));
    try {
      const second = await start(dir, lineFile);
      const qi = second.deployment.service("quality-inspection").status;
      expect(qi.error).toBe(
        `front door of service "quality-inspection": port ${port} is already in use by another process ` +
          "(stop that process to keep this address, or set another port: for the service in line.yaml)",
      );
      expect(qi.url).toBeUndefined();
      expect(second.deployment.service("plc-gateway").status.ready).toBe(true);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  }, 60_000);
});
