// The scrape targets of the monitoring benchmark, as their own process so their CPU is not charged
// to either scraper: N loopback HTTP servers serving M series each in the Prometheus text format.
//
// Usage: tsx bench/monitoring/simulator.ts --targets N --series M
// Prints one JSON line {"ports":[...],"control":port} on stdout when listening; exits when its stdin
// closes (so it never outlives the benchmark) or on SIGTERM. Control: GET /stats, POST /resize?series=M.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { gzip } from "node:zlib";
import { TargetTemplate } from "./series.js";

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v <= 0) {
    process.stderr.write(`simulator: ${name} must be a positive integer\n`);
    process.exit(2);
  }
  return v;
}

const targets = flag("--targets", 200);
let template = new TargetTemplate(flag("--series", 1000));
const start = performance.now();
const stats = { requests: 0, gzipped: 0, bytesOut: 0, renderMs: 0 };

const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

function serve(index: number): http.Server {
  // Targets are 61 s apart in value space, so no two serve the same numbers.
  const offset = index * 61;
  return http.createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    const t0 = performance.now();
    const body = template.render((t0 - start) / 1000, offset);
    stats.renderMs += performance.now() - t0;
    stats.requests++;
    if (/\bgzip\b/.test(req.headers["accept-encoding"] ?? "")) {
      // Level 1: the cheapest gzip, so the simulator stays small next to the scrapers; it runs on
      // libuv's thread pool, off this event loop.
      gzip(body, { level: 1 }, (err, buf) => {
        if (err) {
          res.writeHead(500).end(err.message);
          return;
        }
        stats.gzipped++;
        stats.bytesOut += buf.length;
        res.writeHead(200, { "content-type": CONTENT_TYPE, "content-encoding": "gzip" }).end(buf);
      });
    } else {
      stats.bytesOut += Buffer.byteLength(body);
      res.writeHead(200, { "content-type": CONTENT_TYPE }).end(body);
    }
  });
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

const servers = Array.from({ length: targets }, (_, i) => serve(i));
const control = http.createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://x");
  if (url.pathname === "/stats") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ...stats, series: template.count, targets }));
  } else if (url.pathname === "/resize" && req.method === "POST") {
    const series = Number(url.searchParams.get("series"));
    if (!Number.isInteger(series) || series <= 0) {
      res.writeHead(400).end("series must be a positive integer");
      return;
    }
    template = new TargetTemplate(series);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ series }));
  } else {
    res.writeHead(404).end();
  }
});

const ports = await Promise.all(servers.map(listen));
const controlPort = await listen(control);
process.stdout.write(`${JSON.stringify({ ports, control: controlPort })}\n`);

const exit = () => process.exit(0);
process.stdin.on("end", exit);
process.stdin.on("error", exit);
process.stdin.resume();
process.on("SIGTERM", exit);
process.on("SIGINT", exit);
