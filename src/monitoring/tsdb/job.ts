// The one way the TSDB runs a long job (block cut, tier merge, checkpoint, close): the job is a
// generator that yields at pause points and for file I/O. runJob drives it in time slices with
// async I/O (production: the event loop keeps serving), runJobSync drives the same code at once
// with synchronous I/O (compact(), close(), open's repair) — so there is one implementation of
// each job, and tests of either call run the code production runs.
import { Slicer } from "../slicer.js";

/** A pause point: the async driver yields to the event loop here. */
export const PAUSE = Symbol("pause");

/** I/O a job needs done: off the event loop when sliced, in place when synchronous. */
export type Io<T> = { run: () => Promise<T>; runSync: () => T };

export type Step = typeof PAUSE | Io<unknown>;

/** A job: yields steps, returns R. Pause points check `sl.due()` / `sl.spent()` first. */
export type Job<R> = Generator<Step, R, unknown>;

/** Inside a job: `const v = yield* io(async, sync)`. */
export function* io<T>(run: () => Promise<T>, runSync: () => T): Job<T> {
  return (yield { run, runSync } as Io<unknown>) as T;
}

/** Inside a job, for coarse steps: pauses if the slice's budget is spent. */
export function* maybePause(sl: Slicer): Job<void> {
  if (sl.spent()) {
    yield PAUSE;
  }
}

/** A file writer that buffers: flush() writes off the event loop, flushSync() in place. */
export interface BufferedWriter {
  readonly buffered: number;
  flush(): Promise<void>;
  flushSync(): void;
}

/** Writers flush every few MiB: large enough for few writes, small enough to bound memory. */
const FLUSH_BYTES = 4 << 20;

/** Inside a job: writes `w`'s buffer out once it holds FLUSH_BYTES. */
export function* flushWhenFull(w: BufferedWriter): Job<void> {
  if (w.buffered >= FLUSH_BYTES) {
    yield* io(
      () => w.flush(),
      () => w.flushSync(),
    );
  }
}

/** A slicer whose budget is never spent: a job run synchronously never pauses. */
export function unlimited(): Slicer {
  return new Slicer(Infinity);
}

/** Runs `job` in slices of `sl`'s budget; errors (I/O, the slicer's abort check) reach the job. */
export async function runJob<R>(job: Job<R>, sl: Slicer): Promise<R> {
  let r = job.next();
  while (!r.done) {
    const step = r.value;
    let v: unknown;
    try {
      if (step === PAUSE) {
        await sl.yield();
      } else {
        v = await sl.io(step.run());
      }
    } catch (err) {
      r = job.throw(err);
      continue;
    }
    r = job.next(v);
  }
  return r.value;
}

/** Runs `job` to the end now, with synchronous I/O. */
export function runJobSync<R>(job: Job<R>): R {
  let r = job.next();
  while (!r.done) {
    const step = r.value;
    if (step === PAUSE) {
      r = job.next();
      continue;
    }
    let v: unknown;
    try {
      v = step.runSync();
    } catch (err) {
      r = job.throw(err);
      continue;
    }
    r = job.next(v);
  }
  return r.value;
}

const RUN = 2048;

/** Sorts `items` by `cmp` (stably) as a job: one sort of 200k series takes 100+ ms. */
export function* sortJob(
  items: Uint32Array,
  cmp: (a: number, b: number) => number,
  sl: Slicer,
): Job<Uint32Array> {
  const n = items.length;
  let a: Uint32Array = items;
  let b: Uint32Array = new Uint32Array(n);
  for (let from = 0; from < n; from += RUN) {
    a.subarray(from, Math.min(n, from + RUN)).sort(cmp);
    yield* maybePause(sl);
  }
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(n, lo + width);
      const hi = Math.min(n, lo + 2 * width);
      let i = lo;
      let j = mid;
      for (let k = lo; k < hi; k++) {
        if (i < mid && (j >= hi || cmp(a[i]!, a[j]!) <= 0)) {
          b[k] = a[i++]!;
        } else {
          b[k] = a[j++]!;
        }
        if (sl.due()) {
          yield PAUSE;
        }
      }
    }
    [a, b] = [b, a];
  }
  return a;
}
