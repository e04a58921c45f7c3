// `lineops tsdb import` backfills a real data directory that lineops then serves.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { startLineops } from "../../main.js";
import { Tsdb } from "../../monitoring/tsdb/tsdb.js";
import { runCli } from "../../test-support/cli.js";
import { tempDir } from "../../test-support/line.js";

describe("lineops tsdb import", () => {
  it("imports OpenMetrics with timestamps that the query API then returns", async () => {
    const dir = tempDir();
    const file = path.join(dir, "data.om");
    const base = Math.floor(Date.now() / 1000) - 3600; // inside the retention window the import enforces
    const lines = ["# TYPE units_produced counter"];
    for (let i = 0; i < 60; i++) {
      lines.push(`units_produced_total{station="1"} ${i * 2} ${base + i * 15}`);
    }
    lines.push("# EOF", "");
    writeFileSync(file, lines.join("\n"));
    const dataDir = path.join(dir, "data");
    const r = await runCli(["tsdb", "import", file, "--data-dir", dataDir, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ samples: 60, series: 1, errorCount: 0 });

    const lineops = await startLineops({
      dataDir,
      port: 0,
      logger: pino({ level: "silent" }),
      configFile: undefined,
    });
    try {
      const token = lineops.tokens.create("t", "viewer").token;
      const q = new URLSearchParams({
        query: 'units_produced_total{station="1"}',
        time: String(base + 59 * 15),
      });
      const res = await fetch(`${lineops.url}/api/v1/query?${q}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
      expect(body.data.result[0]?.value[1]).toBe("118");
    } finally {
      await lineops.stop();
    }
  });

  // Fails on the code before: the second import's compaction applied the default 15 d retention
  // and deleted the block the first import (of a server kept 60 d) had written 50 days back.
  it("deletes nothing already stored: a later import keeps older blocks", async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, "data");
    const now = Math.floor(Date.now() / 1000);
    const old = now - 50 * 86_400;
    const write = (name: string, t: number) => {
      const file = path.join(dir, name);
      writeFileSync(file, [`m{s="1"} 7 ${t}`, `m{s="1"} 8 ${t + 15}`, "# EOF", ""].join("\n"));
      return file;
    };
    const first = await runCli([
      "tsdb",
      "import",
      write("old.om", old),
      "--data-dir",
      dataDir,
      "--retention",
      "60d",
    ]);
    expect(first.code, first.stderr).toBe(0);
    const second = await runCli(["tsdb", "import", write("new.om", now - 600), "--data-dir", dataDir]);
    expect(second.code, second.stderr).toBe(0);

    // Read without any retention of its own: whether a server kept 60 d would still find it.
    const db = Tsdb.open(path.join(dataDir, "tsdb"), { autoCompact: false, keepAll: true });
    try {
      const found = db.querier().select([{ name: "__name__", type: "=", value: "m" }], 0, Infinity);
      expect(found.map((x) => Array.from(x.samples().ts))).toEqual([
        [old * 1000, (old + 15) * 1000, (now - 600) * 1000, (now - 585) * 1000],
      ]);
    } finally {
      db.close();
    }
  });

  it("reports a malformed or out-of-order line with its line number and exits 1", async () => {
    const dir = tempDir();
    const file = path.join(dir, "bad.om");
    writeFileSync(file, ["m 1 100", "m 2 50", "m{ 3 200", "# EOF", ""].join("\n"));
    const r = await runCli(["tsdb", "import", file, "--data-dir", path.join(dir, "data")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:2:`);
    expect(r.stderr).toContain(`${file}:3:`);
  });

  // Fails on the code before the bounds: both lines were imported and the exit code was 0.
  it("refuses samples after now + 10 min or before the retention window, naming file and line", async () => {
    const dir = tempDir();
    const file = path.join(dir, "skewed.om");
    const now = Math.floor(Date.now() / 1000);
    writeFileSync(
      file,
      [
        `m{s="1"} 1 ${now - 60}`,
        `m{s="2"} 1 8640000000000`,
        `m{s="3"} 1 ${now - 40 * 86_400}`,
        "# EOF",
        "",
      ].join("\n"),
    );
    const r = await runCli([
      "tsdb",
      "import",
      file,
      "--data-dir",
      path.join(dir, "data"),
      "--retention",
      "30d",
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("1 samples in 1 series imported");
    expect(r.stderr).toMatch(new RegExp(`${file}:2: sample of m\\{s="2"\\} .* too far in the future`));
    expect(r.stderr).toMatch(
      new RegExp(`${file}:3: sample of m\\{s="3"\\} .* older than the retention window`),
    );
  });
});
