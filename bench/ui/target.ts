// The scrape-to-screen target: an exporter whose gauge is a sequence number, one more on every
// scrape, so each value on screen names the scrape that produced it. It records when the answer
// carrying each number was sent: lineops commits the sample after that moment (parse + append),
// so "served" is an upper bound of the commit time by the scrape's parse and append.
import http from "node:http";

export const SEQ_METRIC = "bench_ui_seq";

export type SeqTarget = {
  port: number;
  /** Numbers served while recording → Date.now() when their answer was sent. */
  served: Map<number, number>;
  /** The last number served. */
  current(): number;
  record(on: boolean): void;
  close(): Promise<void>;
};

export function startSeqTarget(): Promise<SeqTarget> {
  let seq = 0;
  let recording = false;
  const served = new Map<number, number>();
  const server = http.createServer((req, res) => {
    if (req.method !== "GET" || req.url?.split("?")[0] !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    const n = ++seq;
    const keep = recording;
    res.on("finish", () => {
      if (keep) {
        served.set(n, Date.now());
      }
    });
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    res.end(`# TYPE ${SEQ_METRIC} gauge\n${SEQ_METRIC} ${n}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const addr = server.address();
      resolve({
        port: typeof addr === "object" && addr ? addr.port : 0,
        served,
        current: () => seq,
        record: (on) => {
          recording = on;
        },
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}
