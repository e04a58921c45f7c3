// Recovery on open: replays the WAL (its checkpoint, then the segments after it) into the head,
// dropping future-dated samples (after the open time + MAX_AHEAD_MS) and recording what it dropped.
import { readChunksRecord } from "./checkpoint.js";
import { timeText, type FutureRepair } from "./future.js";
import { slotOfRef, type Head } from "./head.js";
import {
  decodeSamples,
  decodeSeries,
  REC_CHUNKS,
  REC_META,
  REC_SAMPLES,
  REC_SERIES,
  type Logger,
  type Wal,
} from "./wal.js";

export function replay(
  h: Head,
  wal: Wal,
  bound: number,
  now: number,
  repaired: FutureRepair,
  logger: Logger | undefined,
): void {
  const futureSeries = new Set<number>();
  const dropFuture = (ref: number, n: number) => {
    repaired.samples += n;
    futureSeries.add(ref);
  };
  const prevBits = (ref: number, out: Uint32Array) => {
    const slot = slotOfRef(ref);
    out[0] = h.lastVU32[2 * slot] ?? 0;
    out[1] = h.lastVU32[2 * slot + 1] ?? 0;
  };
  const res = wal.replay((type, r) => {
    if (type === REC_SERIES) {
      decodeSeries(r, (ref, labels) => h.restoreSeries(ref, labels));
    } else if (type === REC_SAMPLES) {
      decodeSamples(
        r,
        (ref, t, hi, lo) => {
          if (t > bound) {
            dropFuture(ref, 1);
          } else if (h.isLive(ref)) {
            h.replaySample(slotOfRef(ref), t, hi, lo);
          }
        },
        prevBits,
      );
    } else if (type === REC_CHUNKS) {
      readChunksRecord(r, h, bound, dropFuture);
    } else if (type === REC_META) {
      const t = r.f64();
      if (t > bound) {
        repaired.minValidTime = t;
      } else {
        h.minValidTime = Math.max(h.minValidTime, t);
      }
    }
  });
  repaired.series = futureSeries.size;
  if (repaired.samples > 0 || repaired.minValidTime !== undefined) {
    logger?.error(
      {
        samples: repaired.samples,
        series: repaired.series,
        ignoredMinValidTime:
          repaired.minValidTime === undefined ? undefined : timeText(repaired.minValidTime),
        clock: timeText(now),
      },
      "tsdb: future-dated samples dropped from the WAL (after the clock + 10 min); appends to their series resume",
    );
  }
  if (res.records > 0) {
    logger?.info({ records: res.records, series: h.numSeries, samples: h.numSamples }, "tsdb: WAL replayed");
  }
}
