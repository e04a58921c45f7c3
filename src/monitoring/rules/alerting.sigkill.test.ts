// Alert state survives SIGKILL: a child process evaluates alerting rules with the SQLite store and
// is killed without any shutdown; a new rule manager on the same data dir resumes firing alerts as
// firing, the pending one with its `for` progress, and sends the resolve of a condition that
// cleared while it was down.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { AlertStateRepository } from "../../store/alert-state.js";
import { openDb } from "../../store/db.js";
import { tempDir } from "../../test-support/line.js";
import { ManualClock } from "../../test-support/manual-clock.js";
import { Engine } from "../promql/engine.js";
import { promqlQuerier } from "../query.js";
import { Tsdb } from "../tsdb/tsdb.js";
import type { AlertForDispatch } from "./alert.js";
import { RuleManager } from "./manager.js";
import { killTestRules, MIN } from "./test-support/kill-rules.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const T0 = Math.floor(Date.now() / MIN) * MIN - 30 * MIN;

/** Runs the child until it reports its evaluations, then SIGKILLs it. */
function runAndKill(dataDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(here, "test-support/alert-child.ts"), dataDir, String(T0)],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let evaluated = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("the child did not evaluate within 25 s"));
    }, 25_000);
    child.stdout.on("data", (d: Buffer) => {
      if (d.toString().includes("evaluated")) {
        evaluated = true;
        child.kill("SIGKILL");
      }
    });
    child.on("exit", (_code, signal) => {
      clearTimeout(timer);
      if (signal === "SIGKILL" && evaluated) {
        resolve();
      } else {
        reject(new Error(`child ended with ${signal ?? "exit"} before evaluating`));
      }
    });
  });
}

describe("alert state under SIGKILL", () => {
  it("resumes firing and pending alerts and sends the resolve that came due while down", async () => {
    const dataDir = tempDir();
    await runAndKill(dataDir);

    const back = T0 + 6 * MIN; // 5 minutes after the last evaluation
    const tsdb = Tsdb.open(path.join(dataDir, "tsdb"), { autoCompact: false });
    const sql = openDb(dataDir);
    const sent: AlertForDispatch[][] = [];
    const rules = new RuleManager(
      promqlQuerier(new Engine({}), tsdb).instant,
      tsdb,
      pino({ level: "silent" }),
      MIN,
      {
        store: new AlertStateRepository(sql),
        notify: (a) => sent.push(a),
        clock: new ManualClock(back),
      },
    );
    try {
      rules.load(killTestRules);
      const alert = (name: string) =>
        rules
          .groupHealth()[0]
          ?.rules.find((r) => r.name === name)
          ?.alerting?.active.values()
          .next().value;
      expect(alert("Fast")).toMatchObject({ state: "firing", activeAt: T0, firedAt: T0, lastSentAt: T0 });
      expect(alert("Gone")).toMatchObject({ state: "firing", firedAt: T0 });
      // Pending 1 of 30 minutes when killed: the 5 minutes down do not count (Prometheus's rule).
      expect(alert("Slow")).toMatchObject({ state: "pending", activeAt: T0 + 5 * MIN });

      const app = tsdb.appender();
      app.append({ __name__: "temp", zone: "a" }, back - 1000, 61);
      app.append({ __name__: "temp", zone: "b" }, back - 1000, 0);
      app.commit();
      await rules.evaluateAll(back);
      expect(sent.flat().map((a) => [a.labels.alertname, a.startsAt, a.endsAt])).toEqual([
        ["Fast", T0, back + 4 * MIN],
        ["Gone", T0, back], // the resolve
      ]);
      expect(alert("Slow")).toMatchObject({ state: "pending", activeAt: T0 + 5 * MIN });
    } finally {
      tsdb.close();
      sql.close();
    }
  });
});
