// The outbox worker as a process of its own, for the SIGKILL test: delivers what is stored in
// <dataDir>'s database to one loopback channel until it is killed (or SIGTERMed: a graceful stop).
import { openDb } from "../../../../store/db.js";
import { Outbox } from "../outbox.js";
import { LoopbackChannel } from "./loopback-channel.js";

const [dataDir, url] = process.argv.slice(2);
if (!dataDir || !url) {
  process.stderr.write("usage: outbox-child <dataDir> <receiverUrl>\n");
  process.exit(2);
}
const db = openDb(dataDir);
const outbox = new Outbox({
  db,
  channels: [new LoopbackChannel("hook", url)],
  concurrency: 2,
  backoff: { initialMs: 200, maxMs: 1000 },
});
outbox.start();
process.stdout.write("started\n");
process.on("SIGTERM", () => {
  void outbox.stop(5000).then(() => {
    db.close();
    process.exit(0);
  });
});
