import { describe, expect, it } from "vitest";
import { parseYaml } from "../../config/load.js";
import { relabelConfigSchema } from "../../config/scrape-schema.js";
import { compileRelabel, relabel } from "./relabel.js";
import { z } from "zod";

const rules = (yaml: string) => compileRelabel(parseYaml(yaml, "rules.yaml", z.array(relabelConfigSchema)));

describe("relabel", () => {
  it("replaces with capture groups and deletes a label set to empty", () => {
    const r = rules(`
- source_labels: [__address__]
  regex: "([^:]+):(\\\\d+)"
  target_label: host
  replacement: "$1"
- source_labels: [missing]
  target_label: env
  replacement: ""
`);
    expect(relabel({ __address__: "10.0.0.1:9100", env: "prod" }, r)).toEqual({
      __address__: "10.0.0.1:9100",
      host: "10.0.0.1",
    });
  });

  it("leaves labels alone when the regex does not match (anchored)", () => {
    const r = rules(`
- source_labels: [a]
  regex: "b"
  target_label: c
`);
    expect(relabel({ a: "abc" }, r)).toEqual({ a: "abc" });
  });

  it("keeps and drops by the joined source labels", () => {
    const keep = rules(`
- source_labels: [__name__, code]
  regex: "http_requests_total;5.."
  action: keep
`);
    expect(relabel({ __name__: "http_requests_total", code: "503" }, keep)).toBeDefined();
    expect(relabel({ __name__: "http_requests_total", code: "200" }, keep)).toBeUndefined();
    const drop = rules(`
- source_labels: [__name__]
  regex: "go_.*"
  action: drop
`);
    expect(relabel({ __name__: "go_goroutines" }, drop)).toBeUndefined();
    expect(relabel({ __name__: "up" }, drop)).toEqual({ __name__: "up" });
  });

  it("drops and keeps label names", () => {
    expect(relabel({ a: "1", b: "2", tmp_x: "3" }, rules(`[{action: labeldrop, regex: "tmp_.*"}]`))).toEqual({
      a: "1",
      b: "2",
    });
    expect(
      relabel({ __name__: "m", a: "1", b: "2" }, rules(`[{action: labelkeep, regex: "__name__|a"}]`)),
    ).toEqual({ __name__: "m", a: "1" });
  });

  it("maps label names and uses Go template rules ($1x is a missing group)", () => {
    expect(
      relabel(
        { __meta_x_zone: "eu" },
        rules(`[{action: labelmap, regex: "__meta_x_(.+)", replacement: "z_$1"}]`),
      ),
    ).toEqual({ __meta_x_zone: "eu", z_zone: "eu" });
    expect(
      relabel({ a: "v" }, rules(`[{source_labels: [a], target_label: b, replacement: "$1x-\${1}y"}]`)),
    ).toEqual({ a: "v", b: "-vy" });
  });

  it("hashmod puts the target in a shard below the modulus", () => {
    const out = relabel(
      { __address__: "a:1" },
      rules(`[{source_labels: [__address__], target_label: shard, modulus: 8, action: hashmod}]`),
    );
    expect(Number(out?.shard)).toBeGreaterThanOrEqual(0);
    expect(Number(out?.shard)).toBeLessThan(8);
  });

  it("rejects an invalid regex in config with its position", () => {
    expect(() => rules(`[{action: keep, source_labels: [a], regex: "("}]`)).toThrow(
      /rules\.yaml:1:\d+: \[0\]\.regex: invalid regex/,
    );
  });
});
