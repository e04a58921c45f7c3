// Query subscriptions: charts on open dashboards name a PromQL query, a range and a width, and get
// new points pushed after every scrape instead of polling. One evaluation serves every subscriber
// of the same query, range and step (the shared cache); evaluations run after commits that may
// change a query's inputs, coalesced into one per batch, a few at a time, each with a timeout;
// only the newest steps are evaluated again and only they are sent (where the query allows it).
import {
  formatFloat,
  queryInputs,
  queryProblem,
  type MetricsQuerier,
  type QueryInputs,
  type SamplesCommit,
} from "../../monitoring/index.js";
import type { Labels } from "../../model/labels.js";
import { labelsKey } from "../../model/labels.js";
import { LineopsError } from "../../errors.js";
import { DashboardErrors } from "../errors.js";
import { sseEvent } from "./sse.js";
import { alignedEnd, stepFor } from "./step.js";
import type { LiveStream } from "./stream.js";

export type LiveQuerySpec = {
  /** The client's name for the chart; unique on its stream (a second one replaces the first). */
  id: string;
  query: string;
  rangeMs: number;
  stepMs?: number;
  /** The chart's width in pixels: points per series never exceed it. */
  widthPx?: number;
};

export type LiveQueriesOptions = {
  /** Query subscriptions on one stream. */
  maxPerStream: number;
  /** Distinct live queries (cache entries) across all streams. */
  maxQueries: number;
  maxRangeMs: number;
  /** Per evaluation; can only shorten monitoring's configured query timeout. */
  timeoutMs: number;
  /** Evaluations running at once; the rest wait their turn, coalesced. */
  concurrency: number;
  /** How long after a commit the batch is evaluated: commits within it cost one evaluation. */
  coalesceMs: number;
  now: () => number;
  /**
   * The metric names a commit may have changed (target-names.ts); undefined: any. Queries that read
   * none of them are not evaluated again.
   */
  namesOf?: (c: SamplesCommit) => ReadonlySet<string> | undefined;
  /** Seconds from the commit that made an evaluation necessary to the push's write (the histogram). */
  observeDelay?: (seconds: number) => void;
};

export const LIVE_QUERIES_DEFAULTS: Omit<LiveQueriesOptions, "now"> = {
  maxPerStream: 64,
  maxQueries: 512,
  maxRangeMs: 31 * 24 * 3600_000,
  timeoutMs: 10_000,
  concurrency: 2,
  coalesceMs: 10,
};

type Point = { t: number; v: number };
type SeriesPoints = { labels: Labels; points: Point[] };

/** One live query: its result, shared by every subscriber (the cache entry). */
type Entry = {
  key: string;
  query: string;
  rangeMs: number;
  stepMs: number;
  inputs: QueryInputs;
  subs: Set<Subscription>;
  /** The grid's points by series, times on multiples of the step. */
  series: Map<string, SeriesPoints>;
  /** The value of each series at the last evaluation time: the newest data, between grid steps. */
  head: { t: number; samples: Sample[] } | undefined;
  /** The grid end of the last good evaluation. */
  end: number | undefined;
  dirty: boolean;
  running: boolean;
  /** The earliest commit not yet evaluated (for the push delay). */
  pendingSince: number | undefined;
  evaluations: number;
};
type Sample = { labels: Labels; v: number };

type Subscription = { stream: LiveStream; id: string; entry: Entry; seenEnd: number | undefined };

export class LiveQueries {
  readonly options: LiveQueriesOptions;
  private readonly entries = new Map<string, Entry>();
  private readonly byStream = new Map<LiveStream, Map<string, Subscription>>();
  /** Dirty entries in the order they became dirty: evaluated first come, first served. */
  private readonly ready = new Set<Entry>();
  private timer: NodeJS.Timeout | undefined;
  private active = 0;
  private stopped = false;
  private evaluated = 0;
  private readonly idle: (() => void)[] = [];

  constructor(
    private readonly querier: Pick<MetricsQuerier, "range">,
    options: Partial<LiveQueriesOptions> = {},
  ) {
    this.options = { ...LIVE_QUERIES_DEFAULTS, now: Date.now, ...options };
  }

  /**
   * Subscribes `stream` to `spec` (replacing its subscription of the same id) and sends the current
   * result, or evaluates it now if nobody has it yet. Throws LINEOPS_ERR_BAD_SUBSCRIPTION for a bad
   * query, range or step, LINEOPS_ERR_TOO_MANY_SUBSCRIPTIONS past the limits.
   */
  subscribe(stream: LiveStream, spec: LiveQuerySpec): { step: number; shared: boolean } {
    return this.subscribeAll(stream, [spec], (_i, message) => message)[0]!;
  }

  /**
   * Subscribes every spec of `specs` on `stream` (one request for a page's charts), or none: each
   * is checked first, and a bad one throws with `where(index, message)`; the stream's limit and the
   * distinct queries' limit hold for the batch as a whole.
   */
  subscribeAll(
    stream: LiveStream,
    specs: readonly LiveQuerySpec[],
    where: (index: number, message: string) => string,
  ): { step: number; shared: boolean }[] {
    const checked = specs.map((spec, i) => {
      try {
        return { spec, ...this.check(spec) };
      } catch (err) {
        throw err instanceof LineopsError && err.code === "LINEOPS_ERR_BAD_SUBSCRIPTION"
          ? DashboardErrors.badSubscription(where(i, err.message))
          : err;
      }
    });
    const mine = this.byStream.get(stream);
    const ids = new Set(specs.map((s) => s.id));
    const added = [...ids].filter((id) => !mine?.has(id)).length;
    if ((mine?.size ?? 0) + added > this.options.maxPerStream) {
      throw DashboardErrors.tooManySubscriptions(
        `a stream holds at most ${this.options.maxPerStream} query subscriptions (it has ${mine?.size ?? 0}, the request adds ${added})`,
      );
    }
    const fresh = new Set(checked.map((c) => c.key).filter((k) => !this.entries.has(k))).size;
    if (this.entries.size + fresh > this.options.maxQueries) {
      throw DashboardErrors.tooManySubscriptions(
        `lineops evaluates at most ${this.options.maxQueries} distinct live queries`,
      );
    }
    return checked.map((c) => this.add(stream, c.spec, c.key, c.stepMs));
  }

  /** Removes the subscriptions of `ids` from `stream`; ids it does not hold (any more) are skipped. */
  unsubscribeAll(stream: LiveStream, ids: readonly string[]): number {
    let removed = 0;
    for (const id of ids) {
      const sub = this.byStream.get(stream)?.get(id);
      if (sub) {
        this.remove(sub);
        removed++;
      }
    }
    return removed;
  }

  /** The spec's step and cache key; throws LINEOPS_ERR_BAD_SUBSCRIPTION for a bad query, range or step. */
  private check(spec: LiveQuerySpec): { stepMs: number; key: string } {
    const problem = queryProblem(spec.query);
    if (problem !== undefined) {
      throw DashboardErrors.badSubscription(`query: ${problem}`);
    }
    if (!(spec.rangeMs > 0) || spec.rangeMs > this.options.maxRangeMs) {
      throw DashboardErrors.badSubscription(
        `range must be more than 0 and at most ${this.options.maxRangeMs / 1000} seconds`,
      );
    }
    const stepMs = stepFor(spec.rangeMs, {
      ...(spec.stepMs === undefined ? {} : { stepMs: spec.stepMs }),
      ...(spec.widthPx === undefined ? {} : { widthPx: spec.widthPx }),
    });
    return { stepMs, key: `${spec.rangeMs}|${stepMs}|${spec.query}` };
  }

  /** Adds a checked subscription (limits already checked), replacing the stream's one of the same id. */
  private add(
    stream: LiveStream,
    spec: LiveQuerySpec,
    key: string,
    stepMs: number,
  ): { step: number; shared: boolean } {
    let mine = this.byStream.get(stream);
    if (mine?.has(spec.id)) {
      this.remove(mine.get(spec.id)!);
    }
    let entry = this.entries.get(key);
    const shared = entry !== undefined;
    if (!entry) {
      entry = {
        key,
        query: spec.query,
        rangeMs: spec.rangeMs,
        stepMs,
        inputs: queryInputs(spec.query),
        subs: new Set(),
        series: new Map(),
        head: undefined,
        end: undefined,
        dirty: false,
        running: false,
        pendingSince: undefined,
        evaluations: 0,
      };
      this.entries.set(key, entry);
    }
    if (!mine) {
      mine = new Map();
      this.byStream.set(stream, mine);
      stream.onClose(() => this.dropStream(stream));
    }
    const sub: Subscription = { stream, id: spec.id, entry, seenEnd: undefined };
    mine.set(spec.id, sub);
    entry.subs.add(sub);
    if (entry.end !== undefined) {
      this.push(entry, [sub], false, undefined);
    } else if (!entry.running) {
      this.markDirty(entry, undefined);
      this.schedule(0);
    }
    return { step: stepMs / 1000, shared };
  }

  unsubscribe(stream: LiveStream, id: string): void {
    const sub = this.byStream.get(stream)?.get(id);
    if (!sub) {
      throw DashboardErrors.subscriptionNotFound(`no subscription "${id}" on this stream`);
    }
    this.remove(sub);
  }

  /** The monitoring engine's commit signal: marks the queries it may change, evaluates them soon. */
  readonly onCommit = (c: SamplesCommit): void => {
    if (this.entries.size === 0) {
      return;
    }
    let any = false;
    const names = this.options.namesOf?.(c);
    for (const e of this.entries.values()) {
      if (e.inputs.mayChange(c.target) && readsAny(e.inputs.names, names)) {
        this.markDirty(e, c.committedAt);
        any = true;
      }
    }
    if (any) {
      this.schedule(this.options.coalesceMs);
    }
  };

  /** Evaluations since the entry of `query` over `rangeMs` at `stepMs` was created (tests). */
  evaluations(query: string, rangeMs: number, stepMs: number): number {
    return this.entries.get(`${rangeMs}|${stepMs}|${query}`)?.evaluations ?? 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Evaluations run since start, over every entry (the push-latency measurement reads it). */
  get totalEvaluations(): number {
    return this.evaluated;
  }

  /** Resolves once no evaluation is running or scheduled. */
  whenIdle(): Promise<void> {
    if (this.active === 0 && this.timer === undefined && this.ready.size === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.idle.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.ready.clear();
    this.settleIdle();
  }

  private markDirty(e: Entry, committedAt: number | undefined): void {
    e.dirty = true;
    if (committedAt !== undefined) {
      e.pendingSince = Math.min(e.pendingSince ?? committedAt, committedAt);
    }
    this.ready.add(e);
  }

  private schedule(delayMs: number): void {
    if (this.timer !== undefined || this.stopped) {
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, delayMs);
  }

  /** Starts evaluations of ready entries up to the concurrency limit. */
  private pump(): void {
    for (const e of this.ready) {
      if (this.active >= this.options.concurrency) {
        break;
      }
      if (e.running) {
        continue; // evaluated again once the running evaluation ends
      }
      this.ready.delete(e);
      void this.evaluate(e);
    }
    this.settleIdle();
  }

  private async evaluate(e: Entry): Promise<void> {
    this.active++;
    this.evaluated++;
    e.running = true;
    e.dirty = false;
    const since = e.pendingSince;
    e.pendingSince = undefined;
    const now = this.options.now();
    const end = alignedEnd(now, e.stepMs);
    const fullStart = end - Math.floor(e.rangeMs / e.stepMs) * e.stepMs;
    // PromQL never reads ahead of a step, so steps before the last evaluated one keep their values
    // (the last one is evaluated again: samples stamped before it may have been committed since).
    // An `@` modifier ties every step to one time: then the whole range is evaluated again.
    const incremental = !e.inputs.pinned && e.end !== undefined && e.end >= fullStart;
    const from = incremental ? (e.end as number) : fullStart;
    try {
      const [grid, head] = await Promise.all([
        this.querier.range(e.query, from, end, e.stepMs, this.options.timeoutMs),
        this.querier.range(e.query, now, now, e.stepMs, this.options.timeoutMs),
      ]);
      if (grid.type !== "matrix" || head.type !== "matrix") {
        throw DashboardErrors.badSubscription(
          `query: a live query must return a vector or a scalar, not a ${grid.type}`,
        );
      }
      const before = e.end;
      merge(e, grid.series, from, fullStart, incremental);
      e.head = {
        t: now,
        samples: head.series.flatMap((s) =>
          s.points.length > 0 ? [{ labels: s.labels, v: s.points.at(-1)!.v }] : [],
        ),
      };
      e.end = end;
      e.evaluations++;
      this.push(e, [...e.subs], incremental, since, before, from);
    } catch (err) {
      e.series.clear();
      e.head = undefined;
      e.end = undefined;
      e.evaluations++;
      const body = JSON.stringify({
        error: err instanceof Error ? err.message : String(err),
        ...(err instanceof LineopsError ? { code: err.code, errorType: err.errorType } : {}),
      });
      for (const sub of e.subs) {
        sub.seenEnd = undefined;
        sub.stream.send(sseEvent("query", withId(sub.id, body)));
      }
    } finally {
      e.running = false;
      this.active--;
      if (e.dirty && e.subs.size > 0) {
        this.ready.add(e);
        this.schedule(this.options.coalesceMs);
      }
      this.pump();
    }
  }

  /**
   * Sends `e`'s result to `subs`: only the steps from `from` on to a subscriber that saw the result
   * up to `before` (incremental), the whole window to anyone else (a `reset`).
   */
  private push(
    e: Entry,
    subs: Subscription[],
    incremental: boolean,
    since: number | undefined,
    before?: number,
    from?: number,
  ): void {
    let full: string | undefined;
    let tail: string | undefined;
    for (const sub of subs) {
      const asTail = incremental && before !== undefined && sub.seenEnd === before && from !== undefined;
      const body = asTail ? (tail ??= payload(e, from, false)) : (full ??= payload(e, undefined, true));
      if (sub.stream.send(sseEvent("query", withId(sub.id, body)))) {
        sub.seenEnd = e.end;
        if (since !== undefined) {
          this.options.observeDelay?.(Math.max(0, Date.now() - since) / 1000);
        }
      }
    }
  }

  private remove(sub: Subscription): void {
    this.byStream.get(sub.stream)?.delete(sub.id);
    const e = sub.entry;
    e.subs.delete(sub);
    if (e.subs.size === 0) {
      // Nobody watches it: the result goes, and a running evaluation's answer is dropped.
      this.entries.delete(e.key);
      this.ready.delete(e);
    }
  }

  private dropStream(stream: LiveStream): void {
    for (const sub of [...(this.byStream.get(stream)?.values() ?? [])]) {
      this.remove(sub);
    }
    this.byStream.delete(stream);
  }

  private settleIdle(): void {
    if (this.active === 0 && this.timer === undefined && (this.ready.size === 0 || this.stopped)) {
      for (const resolve of this.idle.splice(0)) {
        resolve();
      }
    }
  }
}

/** Whether a query reading `reads` (undefined: any name) may see a commit of `committed` (undefined: any). */
function readsAny(
  reads: ReadonlySet<string> | undefined,
  committed: ReadonlySet<string> | undefined,
): boolean {
  if (reads === undefined || committed === undefined) {
    return true;
  }
  for (const n of reads) {
    if (committed.has(n)) {
      return true;
    }
  }
  return false;
}

/** Merges a (partial) evaluation into the entry: steps from `from` replaced, steps before the window dropped. */
function merge(
  e: Entry,
  fresh: { labels: Labels; points: Point[] }[],
  from: number,
  start: number,
  incremental: boolean,
): void {
  if (!incremental) {
    e.series.clear();
  }
  for (const s of e.series.values()) {
    let keep = s.points.length;
    while (keep > 0 && s.points[keep - 1]!.t >= from) {
      keep--;
    }
    let drop = 0;
    while (drop < keep && s.points[drop]!.t < start) {
      drop++;
    }
    s.points = s.points.slice(drop, keep);
  }
  for (const s of fresh) {
    const key = labelsKey(s.labels);
    const have = e.series.get(key);
    if (have) {
      have.points.push(...s.points);
    } else {
      e.series.set(key, { labels: s.labels, points: [...s.points] });
    }
  }
  for (const [key, s] of e.series) {
    if (s.points.length === 0) {
      e.series.delete(key);
    }
  }
}

/**
 * A `query` event's data (without the subscription id), in the shape of Prometheus's range query
 * result: `result` is a matrix ([unix seconds, "value"] pairs), `head` each series' value at the
 * evaluation time (newer than the last step). `reset`: replace the chart's data; otherwise replace
 * its points from the first time sent on.
 */
function payload(e: Entry, from: number | undefined, reset: boolean): string {
  const result: { metric: Labels; values: [number, string][] }[] = [];
  for (const s of e.series.values()) {
    const values: [number, string][] = [];
    for (const p of s.points) {
      if (from === undefined || p.t >= from) {
        values.push([p.t / 1000, formatFloat(p.v)]);
      }
    }
    if (values.length > 0) {
      result.push({ metric: s.labels, values });
    }
  }
  const end = e.end ?? 0;
  return JSON.stringify({
    reset,
    resultType: "matrix",
    start: (end - Math.floor(e.rangeMs / e.stepMs) * e.stepMs) / 1000,
    end: end / 1000,
    step: e.stepMs / 1000,
    result,
    head: (e.head?.samples ?? []).map((s) => ({
      metric: s.labels,
      value: [e.head!.t / 1000, formatFloat(s.v)],
    })),
  });
}

/** Puts the subscription's id first into a serialised payload shared by its subscribers. */
function withId(id: string, body: string): string {
  return `{"id":${JSON.stringify(id)},${body.slice(1)}`;
}
