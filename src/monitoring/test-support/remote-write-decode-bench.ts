// Measures remote-write decode throughput (snappy + protobuf + validation) on a Prometheus-like batch:
// `npx tsx src/monitoring/test-support/remote-write-decode-bench.ts`. Prints progress, then one JSON line.
// Not a test; a candidate for bench/remote-write/ once that folder has an owner.
import { encodeWriteRequest, type EncodableSeries } from "../remote/write-request-encode.js";
import { decodeWriteRequest } from "../remote/write-request.js";
import { snappyDecode } from "../remote/snappy.js";

const SERIES = Number(process.env.SERIES ?? 2000);
const SAMPLES_PER_SERIES = Number(process.env.SAMPLES_PER_SERIES ?? 1);
const ROUNDS = Number(process.env.ROUNDS ?? 200);

/** A batch shaped like Prometheus's default queue (max_samples_per_send 2000, one sample per series). */
function batch(offset: number): Buffer {
  const series: EncodableSeries[] = [];
  for (let i = 0; i < SERIES; i++) {
    const ts = new Float64Array(SAMPLES_PER_SERIES);
    const vs = new Float64Array(SAMPLES_PER_SERIES);
    for (let k = 0; k < SAMPLES_PER_SERIES; k++) {
      ts[k] = 1_700_000_000_000 + offset * 15_000 + k * 1000;
      vs[k] = Math.random() * 1e6;
    }
    series.push({
      labels: {
        __name__: `node_metric_${i % 97}_total`,
        cpu: String(i % 8),
        instance: `host-${i % 50}.plant.local:9100`,
        job: "node",
        mode: ["idle", "user", "system", "iowait"][i % 4]!,
      },
      samples: { ts, vs },
    });
  }
  return encodeWriteRequest(series);
}

const bodies = Array.from({ length: 8 }, (_, i) => batch(i));
const samplesPerBody = SERIES * SAMPLES_PER_SERIES;
console.error(`body: ${bodies[0]!.length} bytes compressed, ${samplesPerBody} samples, ${ROUNDS} rounds`);

function run(label: string, fn: (b: Buffer) => void): number {
  for (let i = 0; i < 20; i++) {
    fn(bodies[i % bodies.length]!);
  }
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) {
    fn(bodies[i % bodies.length]!);
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const rate = (ROUNDS * samplesPerBody) / secs;
  console.error(
    `${label}: ${(rate / 1e6).toFixed(2)} M samples/s (${((secs / ROUNDS) * 1e3).toFixed(3)} ms/request)`,
  );
  return rate;
}

const snappyOnly = run("snappy only", (b) => void snappyDecode(b, 64 << 20));
const full = run("decode (labels cache warm)", (b) => void decodeWriteRequest(b));
console.log(
  JSON.stringify({
    bench: "remote-write-decode",
    machine: `${process.platform}-${process.arch} node ${process.version}`,
    results: {
      series: SERIES,
      samplesPerSeries: SAMPLES_PER_SERIES,
      samplesPerSecond: Math.round(full),
      snappyOnlySamplesPerSecond: Math.round(snappyOnly),
    },
    baseline: {},
    ratio: {},
  }),
);
