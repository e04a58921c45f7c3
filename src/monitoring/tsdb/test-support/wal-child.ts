// Child process for the SIGKILL test: appends and commits in a loop and, after each WAL flush,
// prints the last timestamp committed before that flush. Stops by itself after 20 s.
import { Tsdb } from "../tsdb.js";

const dir = process.argv[2]!;
let committed = 0;
const db = Tsdb.open(dir, {
  walFlushIntervalMs: 20,
  blockDurationMs: 3600_000,
  autoCompact: false,
  onWalFlush: () => {
    process.stdout.write(`flushed ${committed}\n`);
  },
});
const refs: number[] = [];
let t = 0;
const deadline = Date.now() + 20_000;
function step(): void {
  if (Date.now() > deadline) {
    process.exit(0);
  }
  t++;
  const app = db.appender();
  for (let i = 0; i < 100; i++) {
    if (refs[i] === undefined) {
      refs[i] = app.append({ __name__: "kill_test", i: String(i) }, t, t * 10 + i);
    } else {
      app.appendRef(refs[i]!, t, t * 10 + i);
    }
  }
  app.commit();
  committed = t;
  setImmediate(step);
}
step();
