import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadConfigFile, resolveConfig } from "./config.js";
import { ConfigError } from "./errors.js";
import { configErrorOf } from "./test-support/config-error.js";
import { parseYaml } from "./load.js";
import { configSchema } from "./schema.js";

const issuesOf = (fn: () => unknown) => configErrorOf(fn).issues;

describe("config loading", () => {
  it("gives defaults for an empty file", () => {
    const c = parseYaml("", "x.yaml", configSchema);
    expect(c.server.port).toBe(9470);
    expect(c.runtime.restart.initialBackoff).toBe(500);
    expect(c.runtime.stopTimeout).toBe(10_000);
  });

  it("reads web.sessions with 12h / 7d defaults and refuses an idle timeout beyond the lifetime", () => {
    expect(parseYaml("", "x.yaml", configSchema).web.sessions).toEqual({
      idle_timeout: 12 * 3600_000,
      max_lifetime: 7 * 24 * 3600_000,
    });
    const c = parseYaml(
      "web:\n  sessions:\n    idle_timeout: 30m\n    max_lifetime: 8h\n",
      "x.yaml",
      configSchema,
    );
    expect(c.web.sessions).toEqual({ idle_timeout: 1_800_000, max_lifetime: 28_800_000 });
    const issues = issuesOf(() =>
      parseYaml(
        "web:\n  sessions:\n    idle_timeout: 2d\n    max_lifetime: 1d\n",
        "lineops.yaml",
        configSchema,
      ),
    );
    expect(issues).toEqual([
      expect.objectContaining({
        line: 3,
        path: "web.sessions.idle_timeout",
        message: "idle_timeout must not exceed max_lifetime",
      }),
    ]);
  });

  it("rejects an unknown key with file:line:col and the key path", () => {
    const text = "server:\n  port: 9000\n  hots: 1.2.3.4\n";
    const issues = issuesOf(() => parseYaml(text, "lineops.yaml", configSchema));
    expect(issues).toEqual([
      { file: "lineops.yaml", line: 3, col: 3, path: "server.hots", message: "unknown key" },
    ]);
  });

  it("reports a wrong type at the value's position", () => {
    const text = "runtime:\n  restart:\n    initialBackoff: soon\n";
    const err = (() => {
      try {
        parseYaml(text, "f.yaml", configSchema);
      } catch (e) {
        return e as ConfigError;
      }
      return undefined;
    })();
    expect(err?.code).toBe("LINEOPS_ERR_CONFIG_INVALID");
    expect(err?.message).toMatch(/^f\.yaml:3:21: runtime\.restart\.initialBackoff: invalid duration "soon"/);
  });

  it("reports malformed YAML with its position", () => {
    const issues = issuesOf(() => parseYaml("server:\n  port: [1, 2\n", "bad.yaml", configSchema));
    expect(issues[0]?.file).toBe("bad.yaml");
    expect(issues[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ["at the top", "server:\n  port: 1\nserver:\n  port: 2\n", 3, 1],
    ["in a mapping", "server:\n  port: 1\n  host: a\n  port: 2\n", 4, 3],
  ])("reports a duplicate key %s at the repeated key", (_name, text, line, col) => {
    const issues = issuesOf(() => parseYaml(text, "lineops.yaml", configSchema));
    expect(issues).toEqual([
      { file: "lineops.yaml", line, col, path: "", message: "Map keys must be unique" },
    ]);
  });

  it("finds a duplicate among 20,000 keys and reports at most 50 of 20,000 unknown keys", () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `  k${i}: 1\n`).join("");
    const dup = issuesOf(() => parseYaml(`server:\n${keys}  k7: 2\n`, "big.yaml", configSchema));
    expect(dup).toEqual([
      { file: "big.yaml", line: 20_002, col: 3, path: "", message: "Map keys must be unique" },
    ]);
    const unknown = issuesOf(() => parseYaml(`server:\n${keys}`, "big.yaml", configSchema));
    expect(unknown).toHaveLength(50);
    expect(unknown[0]).toEqual({
      file: "big.yaml",
      line: 2,
      col: 3,
      path: "server.k0",
      message: "unknown key",
    });
  });

  it("names the file when it cannot be read", () => {
    const issues = issuesOf(() => loadConfigFile("/nonexistent/lineops.yaml"));
    expect(issues[0]?.message).toMatch(/cannot read file \(ENOENT\)/);
  });

  it("applies flags over environment over file", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "lineops-cfg-"));
    const file = path.join(dir, "lineops.yaml");
    writeFileSync(file, "server:\n  port: 9001\nline:\n  file: line.yaml\n");
    const fromFile = resolveConfig({ configFile: file }, {});
    expect(fromFile.server.port).toBe(9001);
    expect(fromFile.lineFile).toBe(path.join(dir, "line.yaml"));
    expect(resolveConfig({ configFile: file }, { LINEOPS_PORT: "9002" }).server.port).toBe(9002);
    expect(resolveConfig({ configFile: file, port: 9003 }, { LINEOPS_PORT: "9002" }).server.port).toBe(9003);
    expect(resolveConfig({}, { LINEOPS_CONFIG: file }).server.port).toBe(9001);
  });

  it("never crashes on arbitrary input: it returns a config or throws ConfigError", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          parseYaml(text, "fuzz.yaml", configSchema);
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
