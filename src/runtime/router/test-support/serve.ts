// Manual load-test harness (not a test): `tsx serve.ts backend` prints a backend's port;
// `tsx serve.ts router <port>...` fronts those backends and prints the router's port. Then
// compare `wrk -t2 -c50 -d5s http://127.0.0.1:<backend>/` with the same through the router.
import http from "node:http";
import type { AddressInfo } from "node:net";

import pino from "pino";

import { Router } from "../router.js";

const [role, ...ports] = process.argv.slice(2);
if (role === "backend") {
  const body = Buffer.from("ok\n");
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/plain", "content-length": body.length });
    res.end(body);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(Number(ports[0] ?? 0), "127.0.0.1", () => {
    console.log(`backend ${(server.address() as AddressInfo).port}`);
  });
} else if (role === "router") {
  const router = new Router({ logger: pino({ level: "silent" }) });
  router.setBackends(
    "bench",
    ports.map((p, i) => ({
      instanceId: `b${i}`,
      host: "127.0.0.1",
      port: Number(p),
      group: i === 0 ? "canary" : "stable",
    })),
  );
  if (ports.length > 1) {
    router.setWeights("bench", { stable: 90, canary: 10 });
  }
  void router.listen("bench").then((a) => console.log(`router ${a.port}`));
  process.on("SIGTERM", () => {
    console.log(JSON.stringify(router.stats("bench")));
    void router.close().then(() => process.exit(0));
  });
} else {
  console.error("usage: serve.ts backend [port] | router <backendPort>...");
  process.exit(2);
}
