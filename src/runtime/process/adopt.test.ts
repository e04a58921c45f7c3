// Instances outlive the control plane and a later one adopts them: real processes throughout.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";

import { waitFor } from "../../test-support/wait.js";
import { httpRequest } from "../test-support/helpers.js";
import type { InstanceSpec, ProbeSpec } from "../types.js";
import { isAlive, readStartTimeTicks, writePidfile } from "./pidfile.js";
import type { PidRecord } from "./pidfile.js";
import { FIXTURES, fixtureReadiness, fixtureSpec, recordEvents, TEST_RESTART } from "./fixtures/specs.js";
import { ProcessRuntime } from "./runtime.js";
import type { ProcessRuntimeOptions } from "./runtime.js";

const fixtures = FIXTURES;
const logger = pino({ level: "silent" });
const readiness = fixtureReadiness;
const spec = fixtureSpec;

const runtimes: ProcessRuntime[] = [];
const dirs: string[] = [];
/** Processes a test started outside any runtime (foreign processes, control-plane stand-ins). */
const strays: ChildProcess[] = [];

function dataDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "lineops-adopt-"));
  dirs.push(d);
  return d;
}

function runtime(dir: string, opts: Partial<ProcessRuntimeOptions> = {}): ProcessRuntime {
  const rt = new ProcessRuntime({
    dataDir: dir,
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
  // Whatever a detached or killed runtime left running: adopted and stopped, as a test harness does.
  for (const d of dirs) {
    const rt = new ProcessRuntime({ dataDir: d, logger, stopTimeoutMs: 2000 });
    await rt.adopt();
    await rt.close();
  }
  for (const p of strays.splice(0)) {
    p.kill("SIGKILL");
  }
  for (const d of dirs.splice(0)) {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

const get = (host: string, port: number, p: string) => httpRequest(`http://${host}:${port}${p}`);

/** A runtime starts one instance, waits for it to be ready, and detaches (lineops stopping gracefully). */
async function leftRunning(dir: string, s: InstanceSpec = spec()) {
  const old = runtime(dir);
  const inst = await old.start(s);
  await waitFor(() => old.get(inst.id)?.state === "ready", 10_000, "ready before detaching");
  await old.detach();
  return { id: inst.id, pid: inst.pid!, port: inst.port, host: inst.host };
}

/** Field 6 of /proc/<pid>/stat: the session id. */
function sessionOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[3]);
}

async function spawnStray(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const p = spawn(cmd, args, { stdio: "ignore", env });
  strays.push(p);
  await new Promise((r) => p.once("spawn", r));
  return p.pid!;
}

function pidRecord(over: Partial<PidRecord> & { instanceId: string; pid: number }): PidRecord {
  return {
    format: 2,
    startTimeTicks: readStartTimeTicks(over.pid),
    service: "press",
    revision: "rev1",
    version: "1.2.3",
    host: "127.0.0.1",
    port: 20001,
    spec: spec(),
    restarts: 0,
    startedAt: Date.now(),
    ...over,
  };
}

describe("detach and adopt", () => {
  it("detach() leaves every instance running with its pidfile, and supervises nothing more", async () => {
    const dir = dataDir();
    const rt = runtime(dir);
    const events = record(rt);
    const a = await rt.start(spec());
    const b = await rt.start(spec({ service: "welder", readiness: undefined }));
    await waitFor(() => rt.get(a.id)?.state === "ready", 10_000, "a ready");
    await rt.detach();
    const seen = events.length;
    for (const inst of [a, b]) {
      expect(isAlive(inst.pid!)).toBe(true);
      expect(fs.existsSync(path.join(dir, "run", `${inst.id}.json`))).toBe(true);
      // Its own session: a terminal's Ctrl-C to lineops's process group does not reach it.
      expect(sessionOf(inst.pid!)).toBe(inst.pid);
    }
    // Probes stopped: a readiness flip is no longer noticed.
    await get(a.host, a.port, "/ready?v=0");
    await new Promise((r) => setTimeout(r, 300));
    expect(events).toHaveLength(seen);
    expect(rt.get(a.id)?.state).toBe("ready");
    await expect(rt.start(spec())).rejects.toMatchObject({ code: "LINEOPS_ERR_RUNTIME_CLOSED" });
    await expect(rt.stop(a.id, { drainMs: 100 })).rejects.toMatchObject({
      code: "LINEOPS_ERR_RUNTIME_CLOSED",
    });
    // close() after detach() has nothing of its own to stop.
    await rt.close();
    expect(isAlive(a.pid!)).toBe(true);
    expect(isAlive(b.pid!)).toBe(true);
  });

  it("a new runtime adopts a detached instance: same pid and port, still serving, no restart, logs continue", async () => {
    const dir = dataDir();
    const before = await leftRunning(dir);
    // Output while no lineops runs goes on into the same file (and past the cap: nobody rotates).
    await get(before.host, before.port, "/spam?n=200");

    const rt = runtime(dir, { logs: { maxBytes: 4096, files: 3 } });
    const events = record(rt);
    const { adopted, gone, foreign, stopped } = await rt.adopt();
    expect({ gone, foreign, stopped }).toEqual({ gone: [], foreign: [], stopped: [] });
    expect(adopted).toHaveLength(1);
    expect(adopted[0]).toMatchObject({
      id: before.id,
      pid: before.pid,
      port: before.port,
      host: before.host,
      service: "press",
      revision: "rev1",
      version: "1.2.3",
      // adopt() probed it once before returning: a serving instance comes back ready at once.
      state: "ready",
      restarts: 0,
      adopted: true,
    });
    expect(rt.ports.isReserved(before.port)).toBe(true);
    expect(events.map((e) => e.type)).toEqual(["started", "ready"]);
    expect(rt.get(before.id)).toMatchObject({ pid: before.pid, restarts: 0 });

    const res = await get(before.host, before.port, "/");
    expect(JSON.parse(res.body)).toMatchObject({ id: before.id });

    // The log was brought back under its cap on adoption, and both runs' output is readable.
    const logDir = path.join(dir, "logs", before.id);
    for (const f of fs.readdirSync(logDir)) {
      expect(fs.statSync(path.join(logDir, f)).size, f).toBeLessThanOrEqual(4096);
    }
    expect((await rt.logs(before.id, 1))[0]).toMatch(/^spam 000199 /);
    await get(before.host, before.port, "/slow?ms=1");
    await waitFor(async () => (await rt.logs(before.id, 1))[0] === "slow request begin", 5000, "new output");

    // Adopting again finds nothing new; the pidfile is still there (the instance still runs).
    expect((await rt.adopt()).adopted).toEqual([]);
    expect(fs.existsSync(path.join(dir, "run", `${before.id}.json`))).toBe(true);

    // close() stops adopted instances too, and forgets their pidfiles.
    await rt.close();
    expect(isAlive(before.pid)).toBe(false);
    expect(rt.get(before.id)).toMatchObject({ state: "stopped", lastExit: { code: null, signal: null } });
    expect(fs.readdirSync(path.join(dir, "run"))).toEqual([]);
  });

  it("adopts the instance of a control plane that was SIGKILLed", async () => {
    const dir = dataDir();
    const parent = spawn(
      process.execPath,
      ["--import", "tsx", path.join(fixtures, "orphan-parent.mjs"), dir],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    strays.push(parent);
    let out = "";
    parent.stdout.on("data", (c: Buffer) => (out += c.toString()));
    const line = await waitFor(
      () => out.split("\n").find((l) => l.startsWith("{")),
      20_000,
      "parent's instance",
    );
    const { id, pid, port } = JSON.parse(line) as { id: string; pid: number; port: number };
    const parentGone = new Promise((r) => parent.once("exit", r));
    parent.kill("SIGKILL");
    await parentGone;
    expect(isAlive(pid)).toBe(true);

    const rt = runtime(dir);
    const { adopted } = await rt.adopt();
    expect(adopted.map((i) => [i.id, i.pid, i.port])).toEqual([[id, pid, port]]);
    await waitFor(() => rt.get(id)?.state === "ready", 10_000, "ready");
    expect((await get("127.0.0.1", port, "/healthz")).status).toBe(200);
    expect(await rt.logs(id, 10)).toContain(`listening on 127.0.0.1:${port} version=1.0.0`);
  });

  it("a Ctrl-C to the control plane's process group does not reach its instances", async () => {
    const dir = dataDir();
    // detached: the stand-in control plane leads its own group, as lineops does in a terminal.
    const parent = spawn(
      process.execPath,
      ["--import", "tsx", path.join(fixtures, "orphan-parent.mjs"), dir],
      {
        stdio: ["ignore", "pipe", "inherit"],
        detached: true,
      },
    );
    strays.push(parent);
    let out = "";
    parent.stdout.on("data", (c: Buffer) => (out += c.toString()));
    const line = await waitFor(
      () => out.split("\n").find((l) => l.startsWith("{")),
      20_000,
      "parent's instance",
    );
    const { id, pid } = JSON.parse(line) as { id: string; pid: number };
    const parentGone = new Promise((r) => parent.once("exit", r));
    process.kill(-parent.pid!, "SIGINT"); // the whole group, as a terminal does
    await parentGone;
    await new Promise((r) => setTimeout(r, 200));
    expect(isAlive(pid)).toBe(true);
    const rt = runtime(dir);
    expect((await rt.adopt()).adopted.map((i) => i.id)).toEqual([id]);
  });

  it("never adopts or signals a process that is not provably the instance", async () => {
    const dir = dataDir();
    const runDir = path.join(dir, "run");
    // A recycled pid: a live process whose start time is not the recorded one.
    const reused = await spawnStray("sleep", ["30"]);
    writePidfile(
      runDir,
      pidRecord({ instanceId: "reused-1", pid: reused, startTimeTicks: readStartTimeTicks(reused)! - 1 }),
    );
    // Right pid and start time, but without our instance id in its environment.
    const impostor = await spawnStray("sleep", ["30"]);
    writePidfile(runDir, pidRecord({ instanceId: "impostor-1", pid: impostor }));
    // Carries an instance id, but another instance's.
    const other = await spawnStray("sleep", ["30"], { ...process.env, LINEOPS_INSTANCE_ID: "someone-else" });
    writePidfile(runDir, pidRecord({ instanceId: "other-1", pid: other }));
    // A process that has exited, and a half-written pidfile.
    const dead = await spawnStray("true", []);
    await waitFor(() => !isAlive(dead), 5000, "true to exit");
    writePidfile(runDir, pidRecord({ instanceId: "dead-1", pid: dead, startTimeTicks: 1 }));
    fs.writeFileSync(path.join(runDir, "garbage.json"), "{not json");
    fs.writeFileSync(
      path.join(runDir, "zero.json"),
      JSON.stringify({ ...pidRecord({ instanceId: "zero", pid: process.pid }), pid: 0 }),
    );
    fs.writeFileSync(path.join(runDir, "x.json.123.tmp"), "{");

    const rt = runtime(dir);
    const result = await rt.adopt();
    expect(result.adopted).toEqual([]);
    expect(result.foreign.sort()).toEqual(["impostor-1", "other-1", "reused-1"]);
    expect(result.gone.sort()).toEqual(["dead-1", "garbage", "zero"]);
    for (const pid of [reused, impostor, other]) {
      expect(isAlive(pid)).toBe(true);
    }
    expect(rt.list()).toEqual([]);
    expect(fs.readdirSync(runDir)).toEqual([]);
  });

  it("stops, never adopts, a verified instance of an older lineops whose pidfile has no spec", async () => {
    const dir = dataDir();
    const runDir = path.join(dir, "run");
    const legacy = await spawnStray("sleep", ["30"], { ...process.env, LINEOPS_INSTANCE_ID: "old-1" });
    const recycled = await spawnStray("sleep", ["30"], { ...process.env, LINEOPS_INSTANCE_ID: "old-2" });
    fs.mkdirSync(runDir, { recursive: true });
    const old = (id: string, pid: number, startTimeTicks: number | null) =>
      fs.writeFileSync(
        path.join(runDir, `${id}.json`),
        JSON.stringify({ pid, instanceId: id, service: "s", startTimeTicks, port: 1 }),
      );
    old("old-1", legacy, readStartTimeTicks(legacy));
    old("old-2", recycled, readStartTimeTicks(recycled)! + 5);
    const rt = runtime(dir);
    const result = await rt.adopt();
    expect(result).toMatchObject({ adopted: [], stopped: ["old-1"], foreign: ["old-2"] });
    await waitFor(() => !isAlive(legacy), 5000, "legacy instance stopped");
    expect(isAlive(recycled)).toBe(true);
    expect(fs.readdirSync(runDir)).toEqual([]);
  });

  it("adopts nothing and signals nothing where /proc is unavailable", async () => {
    const dir = dataDir();
    const before = await leftRunning(dir);
    const noProc = dataDir(); // an empty directory stands for a missing /proc
    const rt = runtime(dir, { procRoot: noProc });
    const result = await rt.adopt();
    expect(result).toMatchObject({ adopted: [], foreign: [before.id] });
    expect(isAlive(before.pid)).toBe(true);
    process.kill(before.pid, "SIGKILL"); // its pidfile is gone: the afterEach sweep would not find it
    await waitFor(() => !isAlive(before.pid), 5000, "killed");
  });

  it("detects the exit of an adopted instance and restarts it by policy on the same port", async () => {
    const dir = dataDir();
    const before = await leftRunning(dir);
    const rt = runtime(dir);
    const events = record(rt);
    await rt.adopt();
    await waitFor(() => rt.get(before.id)?.state === "ready", 10_000, "adopted ready");
    process.kill(before.pid, "SIGKILL");
    const exited = await waitFor(() => events.find((e) => e.type === "exited"), 5000, "exit detected");
    expect(exited.instance).toMatchObject({
      state: "backoff",
      reason: "exited while adopted (exit status unknown)",
      lastExit: { code: null, signal: null },
    });
    await waitFor(
      () => rt.get(before.id)?.state === "ready" && rt.get(before.id)?.restarts === 1,
      10_000,
      "respawned",
    );
    const now = rt.get(before.id)!;
    expect(now.pid).not.toBe(before.pid);
    expect(now.port).toBe(before.port);
    expect(now.adopted).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(["started", "ready", "exited", "started", "ready"]);
    expect(JSON.parse((await get(now.host, now.port, "/")).body)).toMatchObject({ id: before.id });
    // The respawned process is our child again: its exit status is known.
    await rt.stop(before.id, { drainMs: 2000 });
    expect(rt.get(before.id)?.lastExit).toMatchObject({ code: 0, signal: null });
  });

  it("SIGKILLs an adopted instance whose liveness fails, and restarts it with that reason", async () => {
    const dir = dataDir();
    // A generous delay, so a respawn that is slow to listen on a loaded machine is not what gets killed.
    const liveness: ProbeSpec = {
      ...readiness,
      path: "/livez",
      intervalMs: 100,
      initialDelayMs: 1000,
      failureThreshold: 3,
    };
    const before = await leftRunning(dir, spec({ liveness }));
    const rt = runtime(dir);
    const events = record(rt);
    await rt.adopt();
    await waitFor(() => rt.get(before.id)?.state === "ready", 10_000, "adopted ready");
    await get(before.host, before.port, "/live?v=0");
    const exited = await waitFor(() => events.find((e) => e.type === "exited"), 10_000, "liveness kill");
    expect(exited.instance).toMatchObject({ state: "backoff", reason: "liveness probe failed: HTTP 500" });
    expect(isAlive(before.pid)).toBe(false);
    await waitFor(() => rt.get(before.id)?.state === "ready", 10_000, "respawned and ready");
    expect(rt.get(before.id)).toMatchObject({ restarts: 1, port: before.port });
  });

  it("reports an adopted instance whose readiness fails as unready, and does not restart it", async () => {
    const dir = dataDir();
    const before = await leftRunning(dir);
    await get(before.host, before.port, "/ready?v=0");
    const rt = runtime(dir);
    const events = record(rt);
    await rt.adopt();
    await waitFor(() => rt.get(before.id)?.state === "unready", 10_000, "unready");
    expect(rt.get(before.id)).toMatchObject({
      reason: "readiness probe failed: HTTP 503",
      pid: before.pid,
      restarts: 0,
    });
    expect(events.map((e) => e.type)).toEqual(["started", "unready"]);
    await get(before.host, before.port, "/ready?v=1");
    await waitFor(() => rt.get(before.id)?.state === "ready", 10_000, "ready again");
  });

  it("stop() of an adopted instance drains with SIGTERM, then SIGKILLs after drainMs", async () => {
    const dir = dataDir();
    const graceful = await leftRunning(dir);
    const stubborn = await leftRunning(dir, spec({ service: "stubborn", env: { IGNORE_SIGTERM: "1" } }));
    const rt = runtime(dir);
    await rt.adopt();
    await waitFor(() => rt.list().every((i) => i.state === "ready"), 10_000, "both ready");
    const slow = get(graceful.host, graceful.port, "/slow?ms=500");
    await waitFor(
      async () => (await rt.logs(graceful.id, 1))[0] === "slow request begin",
      5000,
      "slow begun",
    );
    await rt.stop(graceful.id, { drainMs: 5000 });
    expect(await slow).toMatchObject({ status: 200, body: "slow done" });
    expect(isAlive(graceful.pid)).toBe(false);
    expect(rt.get(graceful.id)).toMatchObject({ state: "stopped", restarts: 0 });
    expect(await rt.logs(graceful.id, 5)).toContain("SIGTERM: draining");

    const t0 = Date.now();
    await rt.stop(stubborn.id, { drainMs: 300 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(isAlive(stubborn.pid)).toBe(false);
    expect(await rt.logs(stubborn.id, 5)).toContain("ignoring SIGTERM");
    expect(rt.ports.isReserved(stubborn.port)).toBe(false);
  });

  it("keeps a steadily writing instance's log near its cap by copytruncate", async () => {
    const dir = dataDir();
    const rt = runtime(dir, { logs: { maxBytes: 4096, files: 3, checkIntervalMs: 50 } });
    // ~50 bytes every 5 ms ≈ 10 KB/s: well past the 4 KiB cap each second.
    const code =
      "let i = 0; setInterval(() => console.log('tick ' + String(i++).padStart(8, '0') + ' ' + 'x'.repeat(35)), 5)";
    const inst = await rt.start({ ...spec({ readiness: undefined }), args: ["-e", code] });
    const logDir = path.join(dir, "logs", inst.id);
    for (let round = 0; round < 10; round++) {
      await new Promise((r) => setTimeout(r, 100));
      const sizes = fs.readdirSync(logDir).map((f) => [f, fs.statSync(path.join(logDir, f)).size] as const);
      for (const [f, size] of sizes) {
        // Rotated files hold the cap exactly; the live one by at most what arrives between checks.
        expect(size, f).toBeLessThanOrEqual(f === "output.log" ? 4096 + 8192 : 4096);
      }
      expect(sizes.length).toBeLessThanOrEqual(3);
    }
    expect(fs.readdirSync(logDir).sort()).toEqual(["output.log", "output.log.1", "output.log.2"]);
    const tail = await rt.logs(inst.id, 20);
    const nums = tail.map((l) => Number(/^tick (\d+)/.exec(l)?.[1]));
    expect(nums.every((n, i) => i === 0 || n > nums[i - 1]!)).toBe(true);
    expect(nums.at(-1)).toBeGreaterThan(100);
  });
});
