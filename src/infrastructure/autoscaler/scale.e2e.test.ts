// The scale operation end to end on the real process runtime: 1 -> 3 -> 1 instances of a service
// through the API under traffic through its front door, with zero failed requests, no new revision
// and no deployment; bad input answered 400 naming the fault.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Lineops } from "../../main.js";
import { injectApi } from "../../test-support/api.js";
import { startSettledLineops } from "../../test-support/lineops.js";
import { tempDir } from "../../test-support/line.js";
import { waitFor } from "../../test-support/wait.js";
import { PACKAGE_ROOT } from "../../version.js";
import { INSTANCE_HEADER } from "../../runtime/router/headers.js";

let lineops: Lineops;
let admin = "";
const api = injectApi(() => lineops);

beforeAll(async () => {
  const dir = tempDir("lineops-scale-");
  const file = path.join(dir, "line.yaml");
  writeFileSync(
    file,
    `line: { name: scale-test }
services:
  - name: plc-gateway
    version: 1.0.0
    command: node
    args: [dist/line/services/plc-gateway.js]
    cwd: ${PACKAGE_ROOT}
    readiness: { type: http, path: /readyz, interval: 200ms, timeout: 1s }
`,
  );
  lineops = await startSettledLineops(dir, file, {
    onAdminToken: (t) => {
      admin = t;
    },
  });
});

afterAll(async () => {
  await lineops?.stop();
});

/** GETs through the front door until stopped; counts failures and the instances that answered. */
function load(url: string) {
  let stop = false;
  const counts = { ok: 0, failed: 0, errors: [] as string[], seen: new Set<string>() };
  const worker = async () => {
    while (!stop) {
      try {
        const res = await fetch(url);
        await res.arrayBuffer();
        if (res.status >= 500) {
          counts.failed++;
          counts.errors.push(`HTTP ${res.status}`);
        } else {
          counts.ok++;
          counts.seen.add(res.headers.get(INSTANCE_HEADER) ?? "");
        }
      } catch (err) {
        counts.failed++;
        counts.errors.push(String((err as Error).cause ?? err));
      }
    }
  };
  const workers = Array.from({ length: 4 }, worker);
  return {
    counts,
    stop: async () => {
      stop = true;
      await Promise.all(workers);
      return counts;
    },
  };
}

const ready = () =>
  lineops.runtime
    .list({ service: "plc-gateway" })
    .filter((i) => i.state === "ready")
    .map((i) => i.id);

describe("lineops scale", () => {
  it("scales 1 -> 3 -> 1 under traffic with zero failed requests, no revision and no deployment", async () => {
    const before = lineops.deployment.service("plc-gateway").status;
    const l = load(before.url ?? "");
    await waitFor(() => l.counts.ok > 20, 10_000, "load running");
    const up = await api("POST", "/api/v1/services/plc-gateway/scale", {
      token: admin,
      body: { replicas: 3 },
    });
    expect(up.status, up.text).toBe(200);
    expect(up.body).toMatchObject({ service: "plc-gateway", from: 1, replicas: 3, deferred: false });
    expect(ready()).toHaveLength(3);
    // Each new instance serves traffic through the front door.
    l.counts.seen.clear();
    await waitFor(() => l.counts.seen.size === 3, 10_000, "all three instances serving");
    const down = await api("POST", "/api/v1/services/plc-gateway/scale", {
      token: admin,
      body: { replicas: 1 },
    });
    expect(down.status, down.text).toBe(200);
    expect(ready()).toHaveLength(1);
    const counts = await l.stop();
    expect(counts.failed, counts.errors.slice(0, 5).join("; ")).toBe(0);
    const after = lineops.deployment.service("plc-gateway").status;
    expect(after).toMatchObject({
      revision: before.revision,
      revisionNumber: 1,
      desired: 1,
      readyInstances: 1,
    });
    expect(lineops.deployment.deployments("plc-gateway")).toHaveLength(0);
    // Re-applying the same line keeps a scaled count: only a changed declaration overrides it.
    await api("POST", "/api/v1/services/plc-gateway/scale", { token: admin, body: { replicas: 2 } });
    await lineops.reload();
    expect(lineops.deployment.service("plc-gateway").status.desired).toBe(2);
  });

  it("during a deployment the count is deferred and applies to the new revision at its end", async () => {
    const rec = lineops.deployment.deploy({ service: "plc-gateway", version: "1.1.0", by: "test" });
    const r = await api("POST", "/api/v1/services/plc-gateway/scale", {
      token: admin,
      body: { replicas: 3 },
    });
    expect(r.body).toMatchObject({ replicas: 3, deferred: true });
    await lineops.deployment.settled("plc-gateway");
    expect(lineops.deployment.deployment(rec.id).phase).toBe("Succeeded");
    await waitFor(
      () => {
        const s = lineops.deployment.service("plc-gateway").status;
        return s.version === "1.1.0" && s.readyInstances === 3 && ready().length === 3;
      },
      20_000,
      "3 ready instances of 1.1.0",
    );
    expect(lineops.deployment.service("plc-gateway").status.desired).toBe(3);
  });

  it("refuses bad input with 400 naming the fault", async () => {
    const bad = async (name: string, body: unknown) =>
      api("POST", `/api/v1/services/${name}/scale`, { token: admin, body });
    const unknown = await bad("no-such", { replicas: 1 });
    expect([unknown.status, unknown.body.error]).toEqual([400, expect.stringContaining('"no-such"')]);
    const negative = await bad("plc-gateway", { replicas: -1 });
    expect([negative.status, negative.body.error]).toEqual([400, expect.stringContaining("replicas")]);
    const tooMany = await bad("plc-gateway", { replicas: 65 });
    expect([tooMany.status, tooMany.body.error]).toEqual([400, expect.stringContaining("replicas")]);
    const status = await api("GET", "/api/v1/services/plc-gateway/autoscaler", { token: admin });
    expect([status.status, status.body.error]).toEqual([
      404,
      expect.stringContaining("no autoscaling block"),
    ]);
  });
});
