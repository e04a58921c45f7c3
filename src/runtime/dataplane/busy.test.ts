// The front doors do not wait for the control plane: while the process holding the client (here,
// the test process standing in for lineops) is stuck in a CPU loop and another process burns CPU,
// requests from a separate load process keep being answered. (bench:restart measures the p99.)
import { once } from "node:events";

import { describe, expect, it } from "vitest";

import { dataPlaneHarness } from "./test-support/harness.js";

const h = dataPlaneHarness();

// Sequential GETs for `ms`, then one JSON line: successes, failures and when each answer came.
const LOAD = `
const http = require("node:http");
const [url, ms] = [process.argv[1], Number(process.argv[2])];
const end = Date.now() + ms;
const out = { ok: 0, failed: 0, answeredAt: [] };
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function next() {
  if (Date.now() > end) { process.stdout.write(JSON.stringify(out) + "\\n"); process.exit(0); }
  http.get(url, { agent, timeout: 2000 }, (res) => {
    res.resume();
    res.on("end", () => { if (res.statusCode === 200) { out.ok++; out.answeredAt.push(Date.now()); } else { out.failed++; } next(); });
  }).on("timeout", function () { this.destroy(new Error("timeout")); }).on("error", () => { out.failed++; next(); });
}
next();
`;

// A backend in its own process: one in the test process would be blocked with it.
const BACKEND = `
const http = require("node:http");
const srv = http.createServer((req, res) => { req.resume(); res.end("b1"); });
srv.listen(0, "127.0.0.1", () => process.stdout.write(srv.address().port + "\\n"));
`;

function busyFor(ms: number): { from: number; to: number } {
  const from = Date.now();
  while (Date.now() - from < ms) {
    // the control plane's event loop is blocked (a 37 s regex, a compaction...)
  }
  return { from, to: Date.now() };
}

describe("data plane under a busy control plane", () => {
  it("keeps answering while the client's process and another process burn CPU", async () => {
    const dir = h.dataDir();
    const backend = h.child(process.execPath, ["-e", BACKEND]);
    const [portLine] = (await once(backend.stdout!, "data")) as [Buffer];
    const b1 = { host: "127.0.0.1", port: Number(portLine.toString().trim()) };
    const client = await h.client(dir);
    const addr = await client.listen("line-controller");
    client.setBackends("line-controller", [{ instanceId: "b1", host: b1.host, port: b1.port }]);
    await client.flush();

    h.child(process.execPath, ["-e", "for (;;) {}"]);
    const load = h.child(process.execPath, ["-e", LOAD, addr.url, "3000"]);
    let output = "";
    load.stdout?.on("data", (c: Buffer) => (output += c.toString()));
    // Let the load start, then block this process (the client's) for 1.5 s.
    await new Promise((r) => setTimeout(r, 500));
    const busy = busyFor(1_500);
    await once(load, "exit");

    const result = JSON.parse(output) as { ok: number; failed: number; answeredAt: number[] };
    expect(result.failed).toBe(0);
    const duringBusy = result.answeredAt.filter((t) => t > busy.from && t < busy.to).length;
    // Answers kept coming while lineops's stand-in could not run a single callback.
    expect(duringBusy).toBeGreaterThan(10);
  });
});
