// The CLI as a process: JSON output parses, exit codes are 0 ok / 1 failed / 2 usage.
import { writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../test-support/cli.js";
import { tempDir } from "../test-support/line.js";
import { PACKAGE_ROOT } from "../version.js";

describe("lineops CLI", () => {
  it("prints its version as JSON", async () => {
    const r = await runCli(["version", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it("exits 2 on usage errors", async () => {
    expect((await runCli(["no-such-command"])).code).toBe(2);
    expect((await runCli(["logs"])).code).toBe(2);
    expect((await runCli(["serve", "--port", "http"])).code).toBe(2);
    const noTarget = await runCli(["status", "--json"], { LINEOPS_DATA_DIR: tempDir() });
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toMatch(/LINEOPS_URL/);
  });

  it("exits 1 when lineops cannot be reached", async () => {
    const r = await runCli(["status", "--url", "http://127.0.0.1:1", "--token", "x"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach lineops/);
  });

  it("checks a config file: 0 when valid, 1 with file:line:col when not", async () => {
    const dir = tempDir();
    const good = path.join(dir, "good.yaml");
    const bad = path.join(dir, "bad.yaml");
    writeFileSync(good, "server:\n  port: 9000\n");
    writeFileSync(bad, "server:\n  port: 9000\n  prot: 1\n");
    expect((await runCli(["check", "config", good])).code).toBe(0);
    const r = await runCli(["check", "config", bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}:3:3: server.prot: unknown key`);
    const json = await runCli(["check", "config", bad, "--json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      valid: false,
      issues: [{ line: 3, col: 3, path: "server.prot" }],
    });
  });

  it("rejects a dependency cycle in a line file, naming the cycle", async () => {
    const dir = tempDir();
    const file = path.join(dir, "line.yaml");
    writeFileSync(
      file,
      [
        "services:",
        "  - { name: a, version: '1', command: x, dependsOn: [b] }",
        "  - { name: b, version: '1', command: x, dependsOn: [c] }",
        "  - { name: c, version: '1', command: x, dependsOn: [a] }",
        "",
      ].join("\n"),
    );
    const r = await runCli(["check", "line", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /line\.yaml:2:\d+: services\[0\]\.dependsOn\[0\]: dependency cycle: a -> b -> c -> a/,
    );
  });

  it("refuses to serve with a malformed config: exit 1, nothing started", async () => {
    const dir = tempDir();
    const cfg = path.join(dir, "lineops.yaml");
    writeFileSync(cfg, "server: [\n");
    const dataDir = path.join(dir, "data");
    const r = await runCli(["serve", "--config", cfg, "--data-dir", dataDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(cfg);
    const { existsSync } = await import("node:fs");
    expect(existsSync(dataDir)).toBe(false);
  });

  it("names the port when the API port is in use", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await runCli(["serve", "--data-dir", tempDir(), "--port", String(port)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`port ${port} .*already in use`));
    } finally {
      blocker.close();
    }
  });
});

describe("lineops check rules", () => {
  it("validates Prometheus rule files like promtool", async () => {
    const fixtures = path.join(PACKAGE_ROOT, "src", "monitoring", "rules", "fixtures");
    const ok = await runCli(["check", "rules", path.join(fixtures, "line-rules.yaml")]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/OK \(2 rules found\)/);
    const bad = await runCli(["check", "rules", path.join(fixtures, "bad-rules.yaml"), "--json"]);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({
      valid: false,
      issues: [{ path: "groups[0].rules[2].record" }],
    });
  });
});

describe("lineops admin-token", () => {
  it("mints a working admin token in the store and audits it", async () => {
    const dataDir = tempDir();
    const r = await runCli(["admin-token", "--data-dir", dataDir, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const { token, role } = JSON.parse(r.stdout) as { token: string; role: string };
    expect(role).toBe("admin");
    const { openDb } = await import("../store/db.js");
    const { TokenRepository } = await import("../store/tokens.js");
    const { AuditRepository } = await import("../store/audit.js");
    const db = openDb(dataDir);
    expect(new TokenRepository(db).verify(token)?.role).toBe("admin");
    expect(new AuditRepository(db).list()[0]?.action).toBe("lineops admin-token");
    db.close();
  });
});
