import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";

import { httpRequest } from "../test-support/helpers.js";
import { waitFor } from "../../test-support/wait.js";
import type { InstanceSpec, ProbeSpec } from "../types.js";
import { isAlive, readStartTimeTicks } from "./pidfile.js";
import { fixtureReadiness, fixtureSpec, recordEvents, TEST_RESTART } from "./fixtures/specs.js";
import { ProcessRuntime } from "./runtime.js";
import type { ProcessRuntimeOptions } from "./runtime.js";

const logger = pino({ level: "silent" });
const readiness = fixtureReadiness;
const spec = fixtureSpec;

function inline(code: string, over: Partial<InstanceSpec> = {}): InstanceSpec {
  const { readiness: _r, ...rest } = spec(over);
  return { ...rest, args: ["-e", code] };
}

const runtimes: ProcessRuntime[] = [];
const dirs: string[] = [];
function makeRuntime(opts: Partial<ProcessRuntimeOptions> = {}): ProcessRuntime {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "lineops-rt-"));
  dirs.push(dataDir);
  const rt = new ProcessRuntime({
    dataDir,
    logger,
    ...TEST_RESTART,
    ...opts,
  });
  runtimes.push(rt);
  return rt;
}

const record = recordEvents;

afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((rt) => rt.close()));
  for (const d of dirs.splice(0)) {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

const url = (rt: ProcessRuntime, id: string, p: string) => {
  const inst = rt.get(id);
  if (!inst) {
    throw new Error(`no instance ${id}`);
  }
  return `http://${inst.host}:${inst.port}${p}`;
};

describe("ProcessRuntime", () => {
  it("starts an instance with injected env, becomes ready via http readiness, writes a pidfile", async () => {
    const rt = makeRuntime();
    const events = record(rt);
    const inst = await rt.start(spec({ station: "7" }));
    expect(inst.state).toBe("starting");
    expect(inst.pid).toBeGreaterThan(0);
    expect(inst.host).toBe("127.0.0.1");
    await waitFor(() => rt.get(inst.id)?.state === "ready", 10_000, "ready");
    expect(events.map((e) => e.type)).toEqual(["started", "ready"]);

    const res = await httpRequest(url(rt, inst.id, "/"));
    expect(JSON.parse(res.body)).toEqual({ id: inst.id, station: "7" });

    // The pidfile holds what a later control plane needs to adopt it, and to respawn it from the spec.
    const pidfilePath = path.join(rt.dataDir, "run", `${inst.id}.json`);
    const pidfile = JSON.parse(fs.readFileSync(pidfilePath, "utf8"));
    expect(pidfile).toMatchObject({
      format: 2,
      pid: inst.pid,
      instanceId: inst.id,
      service: "press",
      revision: "rev1",
      version: "1.2.3",
      station: "7",
      host: "127.0.0.1",
      port: inst.port,
      restarts: 0,
      startedAt: rt.get(inst.id)?.startedAt,
    });
    expect(pidfile.spec).toEqual(spec({ station: "7" }));
    expect(pidfile.startTimeTicks).toBe(readStartTimeTicks(inst.pid!));
    // The spec's env may carry secrets.
    expect(fs.statSync(pidfilePath).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(pidfilePath)).mode & 0o777).toBe(0o700);

    const logs = await waitFor(async () => {
      const l = await rt.logs(inst.id, 10);
      return l.some((x) => x.includes("version=1.2.3")) ? l : undefined;
    });
    expect(logs).toBeDefined();
    expect(logs?.join("\n")).toContain(`listening on 127.0.0.1:${inst.port}`);
    expect(rt.list({ service: "press" }).map((i) => i.id)).toEqual([inst.id]);
    expect(rt.list({ service: "other" })).toEqual([]);
  });

  it("is ready once spawned when there is no readiness probe", async () => {
    const rt = makeRuntime();
    const inst = await rt.start(
      inline("console.log('to stdout'); console.error('to stderr'); setInterval(() => {}, 1000)"),
    );
    await waitFor(() => rt.get(inst.id)?.state === "ready", 5000, "ready");
    // Both streams are captured into the same log.
    await waitFor(async () => (await rt.logs(inst.id, 10)).length === 2, 5000, "both streams");
    expect((await rt.logs(inst.id, 10)).sort()).toEqual(["to stderr", "to stdout"]);
  });

  it("runs exec probes with the instance's env and does not leak the control plane's env", async () => {
    const rt = makeRuntime();
    process.env.LINEOPS_TEST_SECRET = "hunter2";
    try {
      const connect =
        "require('net').connect(Number(process.env.PORT), process.env.HOST)" +
        ".on('connect', () => process.exit(0)).on('error', () => process.exit(1))";
      const inst = await rt.start(
        spec({
          readiness: { ...readiness, kind: "exec", command: ["node", "-e", connect], timeoutMs: 5000 },
        }),
      );
      await waitFor(() => rt.get(inst.id)?.state === "ready", 10_000, "ready via exec probe");
      const env = await rt.start(
        inline("console.log(JSON.stringify([process.env.LINEOPS_TEST_SECRET ?? null, !!process.env.PATH]))"),
      );
      await waitFor(async () => (await rt.logs(env.id, 1)).length === 1, 5000, "env output");
      expect(await rt.logs(env.id, 1)).toEqual(["[null,true]"]);
    } finally {
      delete process.env.LINEOPS_TEST_SECRET;
    }
  });

  it("restarts a crashing instance with growing backoff", async () => {
    const rt = makeRuntime({
      restart: { initialBackoffMs: 100, maxBackoffMs: 300, crashLoop: { maxRestarts: 10, windowMs: 60_000 } },
    });
    const events = record(rt);
    const inst = await rt.start(inline("process.exit(3)"));
    await waitFor(
      () => (rt.get(inst.id)?.restarts ?? 0) >= 3 && rt.get(inst.id)?.state === "backoff",
      15_000,
    );
    const exits = events.filter((e) => e.type === "exited").map((e) => e.instance);
    const delays = exits.map((i) => i.nextRestartAt! - i.lastExit!.at);
    expect(delays.slice(0, 4)).toEqual([100, 200, 300, 300]);
    expect(exits[0]).toMatchObject({ state: "backoff", reason: "exited with code 3" });
    expect(exits[0]?.lastExit).toMatchObject({ code: 3, signal: null });
    // Every restart happened no earlier than scheduled (a few ms of slack: libuv timers use a cached clock).
    const starts = events.filter((e) => e.type === "started");
    for (let i = 1; i < starts.length; i++) {
      expect(starts[i]!.at).toBeGreaterThanOrEqual(exits[i - 1]!.nextRestartAt! - 5);
      expect(starts[i]!.instance.restarts).toBe(i);
    }
  });

  it("fails an instance in a crash loop, with the reason", async () => {
    const rt = makeRuntime({
      restart: { initialBackoffMs: 10, maxBackoffMs: 20, crashLoop: { maxRestarts: 2, windowMs: 60_000 } },
    });
    const events = record(rt);
    const inst = await rt.start(inline("process.exit(1)"));
    await waitFor(() => rt.get(inst.id)?.state === "failed", 15_000, "failed");
    const failed = rt.get(inst.id)!;
    expect(failed.reason).toBe("crash loop: 2 restarts in 60000ms; last: exited with code 1");
    expect(failed.restarts).toBe(2);
    expect(events.at(-1)).toMatchObject({ type: "failed", instance: { state: "failed" } });
    expect(events.filter((e) => e.type === "started")).toHaveLength(3);
  });

  it("fails an instance whose command cannot be spawned, leaving others alone", async () => {
    const rt = makeRuntime();
    const events = record(rt);
    const bad = await rt.start(spec({ command: "no-such-cmd-lineops", args: [] }));
    const good = await rt.start(spec({ service: "good" }));
    expect(bad).toMatchObject({ state: "failed", reason: "spawn no-such-cmd-lineops ENOENT" });
    expect(events.find((e) => e.type === "failed")?.instance.id).toBe(bad.id);
    await waitFor(() => rt.get(good.id)?.state === "ready", 10_000, "good ready");
    expect(rt.get(bad.id)?.state).toBe("failed");
    // Stopping a failed instance is allowed and final.
    await rt.stop(bad.id, { drainMs: 100 });
    expect(rt.get(bad.id)?.state).toBe("stopped");
  });

  it("graceful stop lets a slow in-flight request finish", async () => {
    const rt = makeRuntime();
    const events = record(rt);
    const inst = await rt.start(spec());
    await waitFor(() => rt.get(inst.id)?.state === "ready", 10_000, "ready");
    const slow = httpRequest(url(rt, inst.id, "/slow?ms=800"));
    await waitFor(async () => (await rt.logs(inst.id, 5)).includes("slow request begin"), 5000, "slow begin");
    const stopping = rt.stop(inst.id, { drainMs: 10_000 });
    expect(rt.get(inst.id)?.state).toBe("stopping");
    const res = await slow;
    expect(res).toMatchObject({ status: 200, body: "slow done" });
    await stopping;
    const after = rt.get(inst.id)!;
    expect(after.state).toBe("stopped");
    expect(after.lastExit).toMatchObject({ code: 0, signal: null });
    expect(after.restarts).toBe(0);
    expect(events.map((e) => e.type).slice(-2)).toEqual(["exited", "stopped"]);
    expect(fs.existsSync(path.join(rt.dataDir, "run", `${inst.id}.json`))).toBe(false);
  });

  it("SIGKILLs a child that ignores SIGTERM once drainMs has passed, and does not restart it", async () => {
    const rt = makeRuntime();
    const inst = await rt.start(spec({ env: { IGNORE_SIGTERM: "1" } }));
    await waitFor(() => rt.get(inst.id)?.state === "ready", 10_000, "ready");
    const t0 = Date.now();
    await rt.stop(inst.id, { drainMs: 300 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    const after = rt.get(inst.id)!;
    expect(after).toMatchObject({
      state: "stopped",
      restarts: 0,
      lastExit: { code: null, signal: "SIGKILL" },
    });
    expect(after.nextRestartAt).toBeUndefined();
    expect(isAlive(inst.pid!)).toBe(false);
    expect(await rt.logs(inst.id, 5)).toContain("ignoring SIGTERM");
  });

  it("stopping an instance in backoff cancels the pending restart", async () => {
    const rt = makeRuntime({ restart: { initialBackoffMs: 60_000 } });
    const inst = await rt.start(inline("process.exit(2)"));
    await waitFor(() => rt.get(inst.id)?.state === "backoff", 5000, "backoff");
    await rt.stop(inst.id, { drainMs: 100 });
    expect(rt.get(inst.id)).toMatchObject({ state: "stopped", restarts: 0 });
  });

  it("gates readiness: ready ↔ unready follows the probe", async () => {
    const rt = makeRuntime();
    const events = record(rt);
    const inst = await rt.start(spec({ env: { START_UNREADY: "1" } }));
    // Probe fails while starting: stays `starting`, with the reason visible.
    await waitFor(() => rt.get(inst.id)?.reason?.includes("HTTP 503"), 10_000, "failing readiness");
    expect(rt.get(inst.id)?.state).toBe("starting");
    await httpRequest(url(rt, inst.id, "/ready?v=1"));
    await waitFor(() => rt.get(inst.id)?.state === "ready", 5000, "ready");
    await httpRequest(url(rt, inst.id, "/ready?v=0"));
    await waitFor(() => rt.get(inst.id)?.state === "unready", 5000, "unready");
    expect(rt.get(inst.id)?.reason).toBe("readiness probe failed: HTTP 503");
    await httpRequest(url(rt, inst.id, "/ready?v=1"));
    await waitFor(() => rt.get(inst.id)?.state === "ready", 5000, "ready again");
    expect(events.map((e) => e.type)).toEqual(["started", "ready", "unready", "ready"]);
    expect(rt.get(inst.id)?.restarts).toBe(0);
  });

  it("kills and restarts an instance whose liveness probe fails", async () => {
    const rt = makeRuntime();
    const events = record(rt);
    // Generous liveness delay/threshold so a slow start on a loaded machine is not what gets killed.
    const liveness: ProbeSpec = {
      ...readiness,
      path: "/livez",
      intervalMs: 100,
      initialDelayMs: 300,
      failureThreshold: 5,
    };
    const inst = await rt.start(spec({ liveness }));
    await waitFor(() => rt.get(inst.id)?.state === "ready", 10_000, "ready");
    await httpRequest(url(rt, inst.id, "/live?v=0"));
    const exited = await waitFor(
      () =>
        events.find((e) => e.type === "exited" && e.instance.reason === "liveness probe failed: HTTP 500"),
      10_000,
      "liveness kill",
    );
    expect(exited?.instance.state).toBe("backoff");
    expect(exited?.instance.lastExit?.signal).toBe("SIGKILL");
    const restarts = exited?.instance.restarts ?? 0;
    await waitFor(
      () => rt.get(inst.id)?.restarts === restarts + 1 && rt.get(inst.id)?.state === "ready",
      10_000,
      "restarted and ready",
    );
  });

  it("captures stdout and stderr into rotating files and tails across them", async () => {
    const rt = makeRuntime({ logs: { maxBytes: 4096, files: 3 } });
    // 400 numbered lines of ~40 bytes ≈ 16 KiB: more than the 3 × 4 KiB kept.
    const code = `for (let i = 0; i < 400; i++) { process.stdout.write("line " + String(i).padStart(4, "0") + " ".repeat(25) + "x\\n"); }`;
    const inst = await rt.start(inline(code));
    await waitFor(() => rt.get(inst.id)?.lastExit !== undefined, 10_000, "exit");
    await rt.stop(inst.id, { drainMs: 100 });
    const dir = path.join(rt.dataDir, "logs", inst.id);
    await waitFor(async () => (await rt.logs(inst.id, 1))[0]?.startsWith("line 0399"), 5000, "last line");
    const files = fs.readdirSync(dir).sort();
    expect(files).toEqual(["output.log", "output.log.1", "output.log.2"]);
    for (const f of files) {
      expect(fs.statSync(path.join(dir, f)).size).toBeLessThanOrEqual(4096);
    }
    const last3 = await rt.logs(inst.id, 3);
    expect(last3.map((l) => l.slice(0, 9))).toEqual(["line 0397", "line 0398", "line 0399"]);
    // More lines than the current file holds: the tail spans rotated files, in order, without gaps.
    const currentLines = fs.readFileSync(path.join(dir, "output.log"), "utf8").split("\n").length - 1;
    const want = currentLines + 60;
    const tail = await rt.logs(inst.id, want);
    expect(tail).toHaveLength(want);
    const nums = tail.map((l) => Number(l.slice(5, 9)));
    expect(nums).toEqual(nums.map((_, i) => 400 - want + i));
    // Everything older than the kept files was dropped.
    const all = await rt.logs(inst.id, 10_000);
    expect(all.length).toBeLessThan(400);
    expect(all.at(-1)?.startsWith("line 0399")).toBe(true);
  });

  it("rejects operations on unknown instances with a coded error", async () => {
    const rt = makeRuntime();
    await expect(rt.stop("nope", { drainMs: 10 })).rejects.toMatchObject({
      code: "LINEOPS_ERR_INSTANCE_NOT_FOUND",
    });
    await expect(rt.logs("nope", 10)).rejects.toMatchObject({ code: "LINEOPS_ERR_INSTANCE_NOT_FOUND" });
    expect(rt.get("nope")).toBeUndefined();
  });

  it("gives concurrent instances distinct ports", async () => {
    const rt = makeRuntime();
    const insts = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        rt.start(inline("setInterval(() => {}, 1000)", { service: `s${i}` })),
      ),
    );
    expect(new Set(insts.map((i) => i.port)).size).toBe(4);
  });
});
