// Child process of the SIGKILL test: evaluates the kill-test rules twice with alert state in the
// SQLite store of `dataDir`, says "evaluated" and waits to be killed.
// Usage: node --import tsx alert-child.ts <dataDir> <t0>
import path from "node:path";
import { pino } from "pino";
import { AlertStateRepository } from "../../../store/alert-state.js";
import { openDb } from "../../../store/db.js";
import { Engine } from "../../promql/engine.js";
import { promqlQuerier } from "../../query.js";
import { Tsdb } from "../../tsdb/tsdb.js";
import { RuleManager } from "../manager.js";
import { killTestRules, MIN } from "./kill-rules.js";

const [dataDir = "", t0Arg = ""] = process.argv.slice(2);
const t0 = Number(t0Arg);
const tsdb = Tsdb.open(path.join(dataDir, "tsdb"), { autoCompact: false });
const rules = new RuleManager(
  promqlQuerier(new Engine({}), tsdb).instant,
  tsdb,
  pino({ level: "silent" }),
  MIN,
  {
    store: new AlertStateRepository(openDb(dataDir)),
  },
);
rules.load(killTestRules);
const app = tsdb.appender();
app.append({ __name__: "temp", zone: "a" }, t0 - 1000, 60);
app.append({ __name__: "temp", zone: "b" }, t0 - 1000, 60);
app.commit();
await rules.evaluateAll(t0);
await rules.evaluateAll(t0 + MIN);
process.stdout.write("evaluated\n");
setInterval(() => undefined, 1000);
