// The Services page's API through a real lineops over HTTP: services with their instances and
// front doors, the router's backends as the data plane holds them, and bounded log tails that only
// an operator may read.
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLineops, type Lineops } from "../../main.js";
import { smallLine, tempDir } from "../../test-support/line.js";
import { waitFor } from "../../test-support/wait.js";
import type {
  InstanceLogsResponse,
  ServiceBackendsResponse,
  ServiceDetailResponse,
  ServicesResponse,
} from "../types.js";
import { capTail } from "./instances.js";

let lineops: Lineops;
let viewer = "";
let operator = "";

type Reply<T> = { status: number; body: T & { code?: string; error?: string } };

async function get<T>(p: string, token = viewer): Promise<Reply<T>> {
  const res = await fetch(`${lineops.url}${p}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Reply<T>["body"] };
}

beforeAll(async () => {
  const dir = tempDir("lineops-services-");
  lineops = await startLineops({
    dataDir: dir,
    port: 0,
    lineFile: smallLine(dir),
    logger: pino({ level: "silent" }),
  });
  await lineops.settled;
  viewer = lineops.tokens.create("view", "viewer").token;
  operator = lineops.tokens.create("op", "operator").token;
});

afterAll(async () => {
  await lineops?.stop();
});

describe("GET /api/v1/services", () => {
  it("gives each service its instances, front door and backends as the router holds them", async () => {
    const { status, body } = await get<ServicesResponse>("/api/v1/services");
    expect(status).toBe(200);
    expect(body.services.map((s) => s.name).sort()).toEqual(["plc-gateway", "quality-inspection"]);
    const table = await lineops.frontDoors.table();
    for (const s of body.services) {
      expect(s.ready).toBe(true);
      expect(s.instanceList).toHaveLength(s.instances);
      for (const i of s.instanceList) {
        expect(i).toMatchObject({ service: s.name, state: "ready", health: "healthy", revision: s.revision });
        expect(i.pid).toBeGreaterThan(0);
        expect(i.port).toBeGreaterThan(0);
        expect(i.readySince).toBeGreaterThanOrEqual(i.startedAt as number);
        expect(i.readySince).toBeLessThanOrEqual(Date.now());
      }
      const entry = table.services[s.name];
      expect(s.frontDoor).toEqual({ host: "127.0.0.1", port: entry?.port });
      expect(s.url).toContain(`:${String(entry?.port)}`);
      expect(s.backends.map((b) => b.instanceId).sort()).toEqual(s.instanceList.map((i) => i.id).sort());
      for (const b of s.backends) {
        expect(b).toMatchObject({ group: "stable", weight: 1, draining: false, host: "127.0.0.1" });
      }
      expect(s.routingError).toBeUndefined();
    }
  });

  it("gives one service with its spec, and its backends on their own", async () => {
    const one = await get<ServiceDetailResponse>("/api/v1/services/plc-gateway");
    expect(one.body.status.name).toBe("plc-gateway");
    expect(one.body.spec).toBeDefined();
    expect(one.body.instances[0]).toMatchObject({ health: "healthy" });
    const backends = await get<ServiceBackendsResponse>("/api/v1/services/plc-gateway/backends");
    expect(backends.body).toEqual({
      service: "plc-gateway",
      frontDoor: one.body.frontDoor,
      weights: { stable: 100 }, // all normal traffic to the stable group outside a rollout
      stickiness: null,
      backends: one.body.backends,
    });
  });

  it("answers an unknown service with a 404 naming it", async () => {
    for (const p of ["/api/v1/services/nope", "/api/v1/services/nope/backends"]) {
      const res = await get<object>(p);
      expect([p, res.status, res.body.code]).toEqual([p, 404, "LINEOPS_ERR_SERVICE_NOT_FOUND"]);
      expect(res.body.error).toContain('"nope"');
    }
  });
});

describe("GET /api/v1/instances/:id/logs", () => {
  it("gives an operator the last ?tail=N lines and refuses a viewer", async () => {
    const id = lineops.runtime.list({ service: "plc-gateway" })[0]?.id as string;
    const logs = await waitFor(async () => {
      const r = await get<InstanceLogsResponse>(`/api/v1/instances/${id}/logs?tail=1`, operator);
      return r.body.lines?.length === 1 ? r : undefined;
    });
    expect(logs.body).toMatchObject({ instance: id, truncated: false });
    const denied = await get<object>(`/api/v1/instances/${id}/logs?tail=1`, viewer);
    expect([denied.status, denied.body.code]).toEqual([403, "LINEOPS_ERR_FORBIDDEN"]);
  });

  it("bounds N to 1000 and names an unknown instance", async () => {
    const id = lineops.runtime.list()[0]?.id as string;
    const tooMany = await get<object>(`/api/v1/instances/${id}/logs?tail=1001`, operator);
    expect(tooMany.status).toBe(400);
    const unknown = await get<object>("/api/v1/instances/i-nope/logs?tail=5", operator);
    expect([unknown.status, unknown.body.code]).toEqual([404, "LINEOPS_ERR_INSTANCE_NOT_FOUND"]);
    expect(unknown.body.error).toContain("i-nope");
  });
});

describe("capTail", () => {
  it("keeps the newest lines that fit the byte cap, and the end of one overlong line", () => {
    expect(capTail(["a", "b", "c"], 100)).toEqual({ lines: ["a", "b", "c"], truncated: false });
    // each line costs its bytes plus a newline
    expect(capTail(["aaaa", "bb", "cc"], 6)).toEqual({ lines: ["bb", "cc"], truncated: true });
    expect(capTail(["x".repeat(10) + "END"], 4)).toEqual({ lines: ["END"], truncated: true });
    expect(capTail([], 5)).toEqual({ lines: [], truncated: false });
  });
});
