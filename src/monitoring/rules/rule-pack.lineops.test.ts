// The default rule pack's rules about lineops itself (examples/rules/lineops.rules.yml) fire in
// lineops on the REAL sample line, each from a real failure: a hung instance nobody can scrape, an
// instance crashed again and again, a rule that fails at evaluation, a bad version rolled back, a
// rollback whose old release is gone, and a real filesystem filling up. Windows and `for` are
// scaled down as in rule-pack.test.ts (the expressions are the pack's own).
import { execFileSync } from "node:child_process";
import {
  closeSync,
  mkdirSync,
  openSync,
  rmSync,
  statfsSync,
  truncateSync,
  writeFileSync,
  writeSync,
  fsyncSync,
} from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Lineops } from "../../main.js";
import { injectApi } from "../../test-support/api.js";
import { waitFinished } from "../../test-support/deployments.js";
import { sampleService, tempDir } from "../../test-support/line.js";
import { startSettledLineops } from "../../test-support/lineops.js";
import { waitFor } from "../../test-support/wait.js";
import { PACKAGE_ROOT } from "../../version.js";
import { PACK, scaledPackFile } from "./test-support/scaled-rule-pack.js";

type Alert = { labels: Record<string, string>; annotations: Record<string, string>; state: string };

const READINESS = "{ type: http, path: /readyz, interval: 200ms, timeout: 1s }";

/**
 * station-controller runs from a host's releases/<version>/ layout: launch.mjs starts the release
 * of SERVICE_VERSION (which lineops sets from the revision's version), so deleting a release
 * directory makes that version unstartable, as a cleanup job that removed the previous release would.
 */
function writeReleases(dir: string, versions: string[]): void {
  writeFileSync(
    path.join(dir, "launch.mjs"),
    "await import(`./releases/${process.env.SERVICE_VERSION}/${process.argv[2]}.mjs`);\n",
  );
  const entry = pathToFileURL(path.join(PACKAGE_ROOT, "dist", "line", "services", "station-controller.js"));
  for (const v of versions) {
    mkdirSync(path.join(dir, "releases", v), { recursive: true });
    writeFileSync(
      path.join(dir, "releases", v, "station-controller.mjs"),
      `import ${JSON.stringify(entry.href)};\n`,
    );
  }
}

function lineopsYaml(ruleFiles: readonly string[]): string {
  return `rule_files: [${ruleFiles.join(", ")}]
runtime:
  # Two restarts within a minute and a third crash leave an instance failed (the default is five).
  restart: { initialBackoff: 100ms, maxBackoff: 400ms, crashLoop: { maxRestarts: 2, window: 60s } }
monitoring:
  scrapeInterval: 1s
  scrapeTimeout: 900ms
  evaluationInterval: 500ms
  host: { enabled: true, interval: 1s }
`;
}

describe("the lineops rules of the default pack, on the real line", () => {
  let lineops: Lineops;
  let dir = "";
  let token = "";
  const api = injectApi(() => lineops);

  beforeAll(async () => {
    dir = tempDir("lineops-rule-pack-ops-");
    for (const file of PACK) {
      writeFileSync(path.join(dir, file), scaledPackFile(file));
    }
    writeFileSync(path.join(dir, "lineops.yaml"), lineopsYaml(PACK));
    writeReleases(dir, ["1.0.0", "1.2.0-faulty"]);
    const lineFile = path.join(dir, "line.yaml");
    writeFileSync(
      lineFile,
      `line:
  name: rule-pack-ops-line
services:
${sampleService("plc-gateway")}  - name: station-controller
    version: 1.0.0
    command: node
    args: [launch.mjs, station-controller]
    cwd: ${dir}
    stations: ["1", "2"]
    dependsOn: [plc-gateway]
    readiness: ${READINESS}
${sampleService("quality-inspection")}`,
    );
    lineops = await startSettledLineops(dir, lineFile, { configFile: path.join(dir, "lineops.yaml") });
    token = lineops.tokens.create("rule-pack-ops", "admin").token;
  }, 60_000);

  afterAll(async () => {
    await lineops?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const alerts = async () => (await api("GET", "/api/v1/alerts", { token })).body.data.alerts as Alert[];
  const matches = (a: Alert, name: string, where: Record<string, string | RegExp>) =>
    a.labels.alertname === name &&
    Object.entries(where).every(([k, v]) =>
      typeof v === "string" ? a.labels[k] === v : v.test(a.labels[k] ?? ""),
    );

  /**
   * Before its fault the alert is not firing: it fires for that fault, not another. (Pending is
   * allowed: on a loaded machine one scrape can time out and make `up == 0` pending for a moment.)
   */
  async function expectQuiet(name: string, where: Record<string, string | RegExp>) {
    expect((await alerts()).filter((a) => a.state === "firing" && matches(a, name, where))).toEqual([]);
  }

  async function waitFiring(name: string, where: Record<string, string | RegExp>, timeoutMs = 30_000) {
    return waitFor(
      async () => (await alerts()).find((a) => a.state === "firing" && matches(a, name, where)),
      timeoutMs,
      `${name} ${JSON.stringify(where, (_k, v: unknown) => (v instanceof RegExp ? String(v) : v))} firing`,
      200,
    );
  }

  const instancesOf = (service: string) => lineops.runtime.list().filter((i) => i.service === service);
  const query = async (q: string) =>
    (await api("GET", `/api/v1/query?query=${encodeURIComponent(q)}`, { token })).body.data?.result as
      { metric: Record<string, string>; value: [number, string] }[] | undefined;

  it("fires ScrapeTargetDown for an instance that hangs (its /metrics stops answering)", async () => {
    const target = { alertname: "ScrapeTargetDown", job: "quality-inspection" };
    await waitFor(
      async () => (await query('up{job="quality-inspection"} == 1'))?.length === 1,
      20_000,
      "quality-inspection scraped up",
      200,
    );
    await expectQuiet("ScrapeTargetDown", { job: "quality-inspection" });
    const [victim] = instancesOf("quality-inspection");
    const pid = victim?.pid;
    expect(pid, "quality-inspection's pid").toBeTypeOf("number");
    // SIGSTOP: the process is alive and holds its port, but answers nothing, as a deadlocked one.
    process.kill(pid as number, "SIGSTOP");
    try {
      const alert = await waitFiring(target.alertname, { job: target.job });
      expect(alert.labels.severity).toBe("warning");
      expect(alert.annotations.summary).toBe(
        `Scrapes of quality-inspection at ${alert.labels.instance} fail`,
      );
      expect(alert.annotations.runbook_url).toBe("docs/runbooks/scrape-target-down.md");
    } finally {
      process.kill(pid as number, "SIGCONT");
    }
  }, 60_000);

  it("fires InstanceCrashLooping for an instance crashed by a fault until lineops gives up on it", async () => {
    await expectQuiet("InstanceCrashLooping", { service: "quality-inspection" });
    const frontDoor = lineops.deployment.service("quality-inspection").status.url ?? "";
    // Three crash faults through the front door, each to the restarted process: after two restarts
    // within the crash-loop window the third crash leaves the instance failed.
    const base = instancesOf("quality-inspection")[0]?.restarts ?? 0;
    for (let crash = 1; crash <= 3; crash++) {
      const state = await waitFor(
        () => {
          const [i] = instancesOf("quality-inspection");
          return (i?.state === "ready" && i.restarts === base + crash - 1) || i?.state === "failed"
            ? i.state
            : undefined;
        },
        20_000,
        `quality-inspection ready after ${crash - 1} restart(s)`,
        50,
      );
      if (state === "failed") {
        break; // restarts before this test were still inside the crash-loop window
      }
      await waitFor(
        async () => {
          const res = await fetch(`${frontDoor}/faults`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ type: "crash" }),
          });
          return res.status === 202;
        },
        10_000,
        `crash fault #${crash} accepted through the front door`,
        100,
      );
    }
    await waitFor(
      () => instancesOf("quality-inspection")[0]?.state === "failed",
      10_000,
      "quality-inspection failed in a crash loop",
      50,
    );
    const alert = await waitFiring("InstanceCrashLooping", { service: "quality-inspection" });
    expect(alert.labels.severity).toBe("critical");
    expect(alert.annotations.summary).toBe("quality-inspection is crash-looping: 1 instance(s) failed");
    expect(alert.annotations.runbook_url).toBe("docs/runbooks/service-not-ready.md");
  }, 60_000);

  it("fires RuleEvaluationFailing for a rule group reloaded with a rule that fails at evaluation", async () => {
    await expectQuiet("RuleEvaluationFailing", {});
    // Valid PromQL that `check rules` accepts, failing on the data: station-controller has two
    // instances, so matching `up` on job alone is many-to-many.
    writeFileSync(
      path.join(dir, "broken.rules.yml"),
      `groups:
  - name: broken
    interval: 500ms
    rules:
      - record: job:up:product
        expr: up * on (job) up
`,
    );
    writeFileSync(path.join(dir, "lineops.yaml"), lineopsYaml([...PACK, "broken.rules.yml"]));
    expect((await api("POST", "/-/reload", { token })).status).toBe(200);
    const alert = await waitFiring("RuleEvaluationFailing", { rule_group: /;broken$/ });
    expect(alert.labels.severity).toBe("warning");
    expect(alert.annotations.summary).toBe(`Rules of group ${alert.labels.rule_group} fail to evaluate`);
    expect(alert.annotations.runbook_url).toBe("docs/runbooks/rule-evaluation-failing.md");
    // The failure the alert points at, where its description says to look.
    const groups = (await api("GET", "/api/v1/rules", { token })).body.data.groups as {
      name: string;
      rules: { lastError?: string }[];
    }[];
    expect(groups.find((g) => g.name === "broken")?.rules[0]?.lastError).toMatch(/many-to-many/);
  }, 60_000);

  it("fires DeploymentRolledBack for a crash-looping version that lineops rolls back", async () => {
    await expectQuiet("DeploymentRolledBack", { service: "station-controller" });
    const res = await api("POST", "/api/v1/deployments", {
      token,
      // 1.2.0-faulty passes readiness, then exits within a second: minReadySeconds catches it.
      body: {
        service: "station-controller",
        version: "1.2.0-faulty",
        strategy: { type: "rolling", minReadySeconds: 2 },
      },
    });
    expect(res.status, res.text).toBe(201);
    expect((await waitFinished(lineops, res.body.id as string)).phase).toBe("RolledBack");
    const alert = await waitFiring("DeploymentRolledBack", { service: "station-controller" });
    expect(alert.labels.severity).toBe("warning");
    expect(alert.annotations.summary).toBe("A deployment of station-controller was rolled back");
    expect(alert.annotations.runbook_url).toBe("docs/runbooks/deployment-stuck-or-failed.md");
  }, 60_000);

  it("fires DeploymentRollbackFailed when the release to roll back to is gone from disk", async () => {
    await expectQuiet("DeploymentRollbackFailed", { service: "station-controller" });
    // The running 1.0.0 processes are unaffected; only starting 1.0.0 again fails.
    rmSync(path.join(dir, "releases", "1.0.0"), { recursive: true });
    // Without surge (a station runs one controller at a time) an old instance is stopped before
    // its replacement starts, so the rollback has to start 1.0.0 again.
    const res = await api("POST", "/api/v1/deployments", {
      token,
      body: {
        service: "station-controller",
        version: "1.2.0-faulty",
        strategy: { type: "rolling", maxSurge: 0, maxUnavailable: 1, minReadySeconds: 2 },
      },
    });
    expect(res.status, res.text).toBe(201);
    const finished = await waitFinished(lineops, res.body.id as string);
    expect(finished.phase).toBe("Failed");
    expect(finished.reason).toMatch(/rollback failed/);
    const alert = await waitFiring("DeploymentRollbackFailed", { service: "station-controller" });
    expect(alert.labels.severity).toBe("critical");
    expect(alert.annotations.summary).toBe(
      "A deployment of station-controller failed and could not be rolled back",
    );
    expect(alert.annotations.runbook_url).toBe("docs/runbooks/deployment-stuck-or-failed.md");
  }, 60_000);

  it("fires DiskWillFillIn24Hours and DiskWillFillIn4Hours for a real filesystem filling up", async () => {
    const disk = mountLoopFilesystem(tempDir("lineops-rule-pack-disk-"), 32);
    let filler: NodeJS.Timeout | undefined;
    let fd: number | undefined;
    try {
      const file = openSync(path.join(disk.mountpoint, "fill"), "w");
      fd = file;
      const where = { mountpoint: disk.mountpoint };
      await waitFor(
        async () =>
          (await query(`node_filesystem_avail_bytes{mountpoint="${disk.mountpoint}",fstype="ext4"}`))
            ?.length === 1,
        20_000,
        "the host collector reporting the new filesystem",
        200,
      );
      await expectQuiet("DiskWillFillIn24Hours", where);
      await expectQuiet("DiskWillFillIn4Hours", where);
      // Half full at once, then a steady 1 MiB every 400 ms until 92% (full within seconds at that
      // rate, well inside both scaled horizons), then held there.
      const chunk = Buffer.alloc(1024 * 1024, 0x5a);
      const usedShare = () => {
        const s = statfsSync(disk.mountpoint);
        return 1 - s.bavail / s.blocks;
      };
      const write = () => {
        writeSync(file, chunk);
        fsyncSync(file);
      };
      while (usedShare() < 0.5) {
        write();
      }
      filler = setInterval(() => {
        if (usedShare() < 0.92) {
          write();
        }
      }, 400);
      const seen = new Map<string, Alert>();
      await waitFor(
        async () => {
          for (const a of await alerts()) {
            if (a.state === "firing" && a.labels.mountpoint === disk.mountpoint) {
              seen.set(a.labels.alertname ?? "", a);
            }
          }
          return seen.has("DiskWillFillIn24Hours") && seen.has("DiskWillFillIn4Hours");
        },
        40_000,
        `both disk alerts firing for ${disk.mountpoint} (seen: ${[...seen.keys()].join(", ")})`,
        200,
      );
      expect(seen.get("DiskWillFillIn24Hours")?.labels.severity).toBe("warning");
      expect(seen.get("DiskWillFillIn4Hours")?.labels.severity).toBe("critical");
      expect(seen.get("DiskWillFillIn4Hours")?.annotations.summary).toMatch(
        new RegExp(`^${disk.mountpoint} on \\S+ is full within 4 hours$`),
      );
      expect(seen.get("DiskWillFillIn24Hours")?.annotations.runbook_url).toBe("docs/runbooks/disk-full.md");
    } finally {
      clearInterval(filler);
      if (fd !== undefined) {
        closeSync(fd);
      }
      disk.remove();
    }
  }, 60_000);
});

/**
 * A small ext4 filesystem in a file, loop-mounted under `dir`: a real filesystem the host collector
 * finds in /proc/mounts and stats like any disk, that the test can fill without touching the
 * machine's own. Mounting needs root (CAP_SYS_ADMIN) and a loop device, as the CI has.
 */
function mountLoopFilesystem(dir: string, sizeMiB: number): { mountpoint: string; remove(): void } {
  const image = path.join(dir, "disk.img");
  const mountpoint = path.join(dir, "mnt");
  mkdirSync(mountpoint);
  writeFileSync(image, "");
  truncateSync(image, sizeMiB * 1024 * 1024);
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: "pipe", encoding: "utf8" });
  try {
    // -m 0: no blocks reserved for root, so avail is what the test fills.
    run("mkfs.ext4", ["-q", "-F", "-m", "0", image]);
    run("mount", ["-o", "loop", image, mountpoint]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = (err as { stderr?: string }).stderr ?? String(err);
    throw new Error(
      `the disk-filling test loop-mounts an ext4 filesystem, which needs root (CAP_SYS_ADMIN), a loop device and e2fsprogs: ${stderr.trim()}`,
    );
  }
  return {
    mountpoint,
    remove() {
      try {
        run("umount", [mountpoint]);
      } catch {
        run("umount", ["-l", mountpoint]); // busy for a moment (a statfs in flight): detach lazily
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
