// The peer side of the abuse benchmark: the same PromQL and remote-write abuse sent to a real
// Prometheus on this machine, for its status and time. The lineops-only requests (forecast, line plan, tokens) have no peer.
import { findPrometheus, startPrometheus } from "../common/prometheus.js";
import { abuseRequests, type Outcome } from "./requests.js";

const PEER_REQUESTS = [
  "redosMatcher",
  "subquery12h1ms",
  "subquery1y1ms",
  "cacheFlood",
  "farFutureRemoteWrite",
];

export type PeerResult = { name: string; perRequest: Record<string, Outcome> } | { skipped: string };

export async function runPeer(opts: {
  flood: number;
  timeoutMs: number;
  log: (msg: string) => void;
}): Promise<PeerResult> {
  let prom;
  try {
    const bin = await findPrometheus({ log: opts.log });
    prom = await startPrometheus({
      bin: bin.bin,
      configYaml:
        // A target that refuses connections still gives `up` (0) every second: series to select.
        "global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: down\n    static_configs: [{ targets: ['127.0.0.1:9'] }]\n",
      extraArgs: ["--web.enable-remote-write-receiver"],
    });
    const name = `prometheus ${bin.version}`;
    await new Promise((r) => setTimeout(r, 3000));
    const perRequest: Record<string, Outcome> = {};
    const target = { url: prom.url, viewer: "", operator: "", timeoutMs: opts.timeoutMs };
    for (const req of abuseRequests(opts.flood).filter((r) => PEER_REQUESTS.includes(r.name))) {
      opts.log(`peer → ${req.name}`);
      const o = await req.run(target);
      perRequest[req.name] = o;
      opts.log(`  ${o.status} in ${o.ms} ms${o.note ? `: ${o.note}` : ""}`);
    }
    return { name, perRequest };
  } catch (err) {
    return { skipped: (err as Error).message.split("\n")[0] ?? "failed" };
  } finally {
    await prom?.stop(10_000);
  }
}
