// The one live stream of the browser (GET /api/v1/live, Server-Sent Events): every page listens to
// the same EventSource, opened when the first listener comes and closed when the last one goes.
// Pages receive topic events (deployment, alert, instance) and subscribe queries on the stream; a
// new `hello` (the stream was reopened) or a `reset` tells them to reload what they show, since
// events may have been missed. No page polls what the stream carries.
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { api, ApiError } from "./client.js";
import type { Labels, SamplePair } from "./prometheus.js";

export type LiveTopic = "deployment" | "alert" | "instance";

export type InstanceEventData =
  | {
      type: "started" | "ready" | "unready" | "exited" | "failed" | "stopped";
      at: number;
      instance: {
        id: string;
        service: string;
        revision: string;
        version: string;
        state: string;
        station?: string;
        reason?: string;
      };
    }
  | { type: "service.ready"; service: string; revision: string; at: number };

export type AlertEventData =
  | {
      source: "rule";
      state: "pending" | "firing" | "inactive";
      labels: Labels;
      annotations?: Labels;
      activeAt?: string;
      value?: string;
    }
  | {
      source: "dispatcher";
      fingerprint: string;
      labels?: Labels;
      status: { state: "active" | "suppressed" | "resolved" };
    };

/** A query subscription's push (docs/api.md, "Live updates"). */
export type QueryPush = {
  id: string;
  reset: boolean;
  resultType: "matrix";
  start: number;
  end: number;
  step: number;
  result: { metric: Labels; values: SamplePair[] }[];
  head: { metric: Labels; value: SamplePair }[];
};
export type QueryFailure = { id: string; error: string; code?: string; errorType?: string };

export type LiveStatus = "connecting" | "open" | "closed";

type TopicListener = (topic: LiveTopic, data: unknown, id: string) => void;
/** A query subscription: PromQL over the last `range` seconds, at most `width` points a series or every `step` seconds. */
export type LiveQuerySpec = { query: string; range: number; width?: number; step?: number };

type QuerySub = {
  id: string;
  query: string;
  range: number;
  width?: number;
  step?: number;
  onPush: (p: QueryPush | QueryFailure) => void;
  /**
   * Settles with the stream the subscription was last registered on (undefined: none), so an
   * unsubscribe never races its own registration (a DELETE before the POST answered is a 404).
   */
  registered?: Promise<string | undefined>;
  settle?: (stream: string | undefined) => void;
};

/** After a stream fails for good (401, 429, lineops restarting) the next try waits this long, doubling. */
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;

const topicListeners = new Set<TopicListener>();
/** Called on every new stream (hello) and on reset: state the page holds may be stale. */
const resyncListeners = new Set<() => void>();
const statusListeners = new Set<() => void>();
const querySubs = new Map<string, QuerySub>();

let source: EventSource | undefined;
let streamId: string | undefined;
let lastEventId: string | undefined;
let status: LiveStatus = "closed";
let retryMs = RETRY_MIN_MS;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let nextQueryId = 0;

function setStatus(s: LiveStatus): void {
  if (s !== status) {
    status = s;
    for (const l of statusListeners) {
      l();
    }
  }
}

function listenerCount(): number {
  return topicListeners.size + resyncListeners.size + querySubs.size;
}

function parse(e: MessageEvent): unknown {
  try {
    return JSON.parse(e.data as string) as unknown;
  } catch {
    return undefined; // lineops writes JSON; anything else is not ours to act on
  }
}

function open(): void {
  if (source !== undefined) {
    return;
  }
  setStatus("connecting");
  const url =
    lastEventId === undefined
      ? "/api/v1/live"
      : `/api/v1/live?lastEventId=${encodeURIComponent(lastEventId)}`;
  const es = new EventSource(url, { withCredentials: true });
  source = es;
  es.addEventListener("hello", (e) => {
    const hello = parse(e) as { stream?: string } | undefined;
    streamId = hello?.stream;
    retryMs = RETRY_MIN_MS;
    setStatus("open");
    // A new stream holds none of the page's subscriptions: all of them go in one request.
    pendingRemoves.length = 0;
    for (const sub of querySubs.values()) {
      queueSubscribe(sub);
    }
    for (const l of resyncListeners) {
      l();
    }
  });
  es.addEventListener("reset", () => {
    for (const l of resyncListeners) {
      l();
    }
  });
  for (const topic of ["deployment", "alert", "instance"] as const) {
    es.addEventListener(topic, (e) => {
      lastEventId = e.lastEventId || lastEventId;
      const data = parse(e);
      if (data !== undefined) {
        for (const l of topicListeners) {
          l(topic, data, e.lastEventId);
        }
      }
    });
  }
  es.addEventListener("query", (e) => {
    const data = parse(e) as QueryPush | QueryFailure | undefined;
    const sub = data && querySubs.get(data.id);
    sub?.onPush(data as QueryPush | QueryFailure);
  });
  es.addEventListener("closed", () => drop());
  es.onerror = () => {
    // EventSource retries by itself while readyState is CONNECTING; CLOSED means it gave up (an
    // HTTP error such as 401 or 429): try again later with ?lastEventId= so nothing is missed.
    if (es.readyState === EventSource.CLOSED) {
      drop();
    } else {
      streamId = undefined;
      setStatus("connecting");
    }
  };
}

/** Ends the current EventSource and, while anyone listens, opens a new one after a backoff. */
function drop(): void {
  source?.close();
  source = undefined;
  streamId = undefined;
  setStatus("closed");
  if (retryTimer === undefined && listenerCount() > 0) {
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      if (listenerCount() > 0) {
        open();
      }
    }, retryMs);
    retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
  }
}

function release(): void {
  if (listenerCount() === 0) {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    source?.close();
    source = undefined;
    streamId = undefined;
    setStatus("closed");
  }
}

/** What one request may carry (the server's bound, MAX_BATCH in src/api/routes/live.ts). */
const MAX_BATCH = 64;
/** Subscriptions not yet sent and ids to unsubscribe: sent together on the next flush. */
const pendingAdds = new Set<QuerySub>();
const pendingRemoves: string[] = [];
let flushTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * Queues `sub` for the next flush: every chart a page mounts in one render (a dashboard's panels)
 * is subscribed in one request instead of one each.
 */
function queueSubscribe(sub: QuerySub): void {
  let settle: (stream: string | undefined) => void = () => undefined;
  sub.registered = new Promise((resolve) => (settle = resolve));
  sub.settle = settle;
  pendingAdds.add(sub);
  scheduleFlush();
}

function scheduleFlush(): void {
  flushTimer ??= setTimeout(() => {
    flushTimer = undefined;
    flush();
  }, 0);
}

function flush(): void {
  const stream = streamId;
  if (stream === undefined) {
    return; // the next hello subscribes everything again, on the new stream
  }
  while (pendingAdds.size > 0 || pendingRemoves.length > 0) {
    const adds = [...pendingAdds].slice(0, MAX_BATCH);
    adds.forEach((s) => pendingAdds.delete(s));
    const removes = pendingRemoves.splice(0, MAX_BATCH);
    void send(stream, adds, removes);
  }
}

/**
 * One request: `removes` unsubscribed, `adds` subscribed. The server refuses a batch with a bad
 * subscription whole, naming its index: that one gets the error and the rest are sent again.
 */
async function send(stream: string, adds: QuerySub[], removes: string[]): Promise<void> {
  let left = adds;
  // Settled with what this request did, even if a new stream re-queues the subscription meanwhile.
  const settles = new Map(adds.map((s) => [s, s.settle ?? (() => undefined)]));
  const settle = (s: QuerySub, stream: string | undefined) => settles.get(s)?.(stream);
  for (;;) {
    try {
      await api("/api/v1/live/subscriptions", {
        method: "POST",
        body: {
          stream,
          ...(removes.length > 0 ? { unsubscribe: removes } : {}),
          ...(left.length > 0 ? { subscriptions: left.map(specOf) } : {}),
        },
      });
      left.forEach((s) => settle(s, stream));
      return;
    } catch (err) {
      const at = /subscriptions\[(\d+)\]/.exec((err as Error).message);
      const bad = at ? left[Number(at[1])] : undefined;
      const failed = bad ? [bad] : left;
      // The subscription's own problem, as the page shows it: without the batch's index.
      const message = (err as Error).message.replace(/^subscriptions\[\d+\] \(id "[^"]*"\): /, "");
      const error = err instanceof ApiError && err.status > 0 ? `${err.errorType}: ${message}` : message;
      for (const s of failed) {
        settle(s, undefined);
        if (stream === streamId && querySubs.get(s.id) === s) {
          s.onPush({ id: s.id, error });
        }
      }
      left = bad ? left.filter((s) => s !== bad) : [];
      removes = [];
      if (left.length === 0 || stream !== streamId) {
        left.forEach((s) => settle(s, undefined));
        return;
      }
    }
  }
}

function specOf(sub: QuerySub) {
  return {
    id: sub.id,
    query: sub.query,
    range: sub.range,
    ...(sub.width !== undefined ? { width: sub.width } : {}),
    ...(sub.step !== undefined ? { step: sub.step } : {}),
  };
}

/** Listens to topic events; the stream opens with the first listener. Returns the unsubscribe. */
export function onLiveEvent(listener: TopicListener): () => void {
  topicListeners.add(listener);
  open();
  return () => {
    topicListeners.delete(listener);
    release();
  };
}

/** onLiveEvent for one topic: `handler` gets that topic's events' data. */
export function onLive(topic: LiveTopic, handler: (data: unknown, id: string) => void): () => void {
  return onLiveEvent((t, data, id) => {
    if (t === topic) {
      handler(data, id);
    }
  });
}

/** onLive (a topic) or onLiveResync ("resync": a new stream or a reset) for a component's lifetime. */
export function useLiveEvent(
  event: LiveTopic | "resync",
  handler: (data: unknown, id: string) => void,
): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(
    () =>
      event === "resync"
        ? onLiveResync(() => ref.current(undefined, ""))
        : onLive(event, (data, id) => ref.current(data, id)),
    [event],
  );
}

/** Called when a (new) stream says hello or the server says reset: reload what the page shows. */
export function onLiveResync(listener: () => void): () => void {
  resyncListeners.add(listener);
  open();
  return () => {
    resyncListeners.delete(listener);
    release();
  };
}

/**
 * Subscribes `query` over the last `range` seconds, at most `width` points a series; `onPush` gets
 * every result (or failure). Re-subscribed on every new stream. Returns the unsubscribe.
 */
export function subscribeLiveQuery(
  spec: LiveQuerySpec,
  onPush: (p: QueryPush | QueryFailure) => void,
): () => void {
  const sub: QuerySub = { ...spec, id: `q${++nextQueryId}`, onPush };
  querySubs.set(sub.id, sub);
  open();
  queueSubscribe(sub);
  return () => {
    querySubs.delete(sub.id);
    if (pendingAdds.delete(sub)) {
      sub.settle?.(undefined); // never sent: nothing to undo
    } else {
      // Only a subscription registered on the stream still open is removed (with the next batch);
      // one whose stream ended went with it.
      void sub.registered?.then((stream) => {
        if (stream !== undefined && stream === streamId) {
          pendingRemoves.push(sub.id);
          scheduleFlush();
        }
      });
    }
    release();
  };
}

/** The stream's state, for a page's "live" indicator. */
export function useLiveStatus(): LiveStatus {
  return useSyncExternalStore(
    (l) => {
      statusListeners.add(l);
      return () => statusListeners.delete(l);
    },
    () => status,
  );
}

/**
 * Runs `reload` now, on every new stream or reset, and (coalesced, at most every `coalesceMs`)
 * after every event of `topics`: the page's REST state follows the stream without polling.
 * `onEvent` sees each event first (to patch state before the reload answers).
 */
export function useLiveReload(
  topics: readonly LiveTopic[],
  reload: () => void,
  opts: { coalesceMs?: number; onEvent?: (topic: LiveTopic, data: unknown) => void } = {},
): void {
  const latest = useRef({ reload, onEvent: opts.onEvent });
  latest.current = { reload, onEvent: opts.onEvent };
  const key = topics.join(",");
  const coalesceMs = opts.coalesceMs ?? 250;
  useEffect(() => {
    const wanted = new Set(key.split(","));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const schedule = () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        latest.current.reload();
      }, coalesceMs);
    };
    latest.current.reload();
    const offEvent = onLiveEvent((topic, data) => {
      if (wanted.has(topic)) {
        latest.current.onEvent?.(topic, data);
        schedule();
      }
    });
    const offResync = onLiveResync(() => latest.current.reload());
    return () => {
      clearTimeout(timer);
      offEvent();
      offResync();
    };
  }, [key, coalesceMs]);
}

/** The latest push of a live query subscription, merged per the protocol (reset or a tail). */
export function useLiveQuery(spec: LiveQuerySpec | undefined): {
  data?: QueryPush;
  error?: string;
} {
  const [state, setState] = useState<{ data?: QueryPush; error?: string }>({});
  const query = spec?.query;
  const range = spec?.range;
  const width = spec?.width;
  const step = spec?.step;
  useEffect(() => {
    if (query === undefined || range === undefined || (width === undefined && step === undefined)) {
      return undefined;
    }
    setState({});
    const sized = { ...(width !== undefined ? { width } : {}), ...(step !== undefined ? { step } : {}) };
    return subscribeLiveQuery({ query, range, ...sized }, (p) => {
      if ("error" in p) {
        setState((s) => ({ ...s, error: p.error }));
      } else {
        setState((s) => ({ data: mergePush(s.data, p) }));
      }
    });
  }, [query, range, width, step]);
  return state;
}

/**
 * Applies a push to what was shown: `reset` replaces; otherwise each series' points from the push's
 * first time on are replaced and points before `start` are dropped.
 */
export function mergePush(prev: QueryPush | undefined, p: QueryPush): QueryPush {
  if (prev === undefined || p.reset) {
    return p;
  }
  const key = (m: Labels) => JSON.stringify(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)));
  const incoming = new Map(p.result.map((s) => [key(s.metric), s]));
  const from = Math.min(...p.result.map((s) => s.values[0]?.[0] ?? Infinity));
  const result: QueryPush["result"] = [];
  for (const s of prev.result) {
    const k = key(s.metric);
    const kept = s.values.filter(([t]) => t >= p.start && t < from);
    const fresh = incoming.get(k);
    incoming.delete(k);
    const values = [...kept, ...(fresh?.values ?? [])];
    if (values.length > 0) {
      result.push({ metric: s.metric, values });
    }
  }
  result.push(...incoming.values());
  return { ...p, result };
}

/** A fixed (past) range of a chart: not live, but batched with the page's other charts. */
export type RangeSpec = { query: string; start: number; end: number; width?: number; step?: number };
/** One answer of POST /api/v1/live/query_range (docs/api.md, "Live updates"). */
export type RangeAnswer =
  | {
      status: "success";
      step: number;
      data: { resultType: "matrix"; result: { metric: Labels; values: SamplePair[] }[] };
    }
  | { status: "error"; errorType: string; error: string };

type PendingRange = {
  spec: RangeSpec;
  resolve: (a: RangeAnswer) => void;
  reject: (err: unknown) => void;
  signal?: AbortSignal;
};
const pendingRanges: PendingRange[] = [];
let rangeTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * The range `spec`, fetched with every other range asked for in the same render: a page's charts
 * of a past time range are one request (POST /api/v1/live/query_range), not one each. A query's
 * own failure answers {status: "error"}; a failed request rejects every query in it.
 */
export function fetchRange(spec: RangeSpec, signal?: AbortSignal): Promise<RangeAnswer> {
  return new Promise((resolve, reject) => {
    pendingRanges.push({ spec, resolve, reject, ...(signal ? { signal } : {}) });
    rangeTimer ??= setTimeout(() => {
      rangeTimer = undefined;
      const wanted = pendingRanges.splice(0).filter((p) => {
        if (p.signal?.aborted) {
          p.reject(new DOMException("aborted", "AbortError"));
          return false;
        }
        return true;
      });
      for (let i = 0; i < wanted.length; i += MAX_BATCH) {
        const batch = wanted.slice(i, i + MAX_BATCH);
        api<{ results: RangeAnswer[] }>("/api/v1/live/query_range", {
          method: "POST",
          body: { queries: batch.map((p) => p.spec) },
        }).then(
          (r) => batch.forEach((p, k) => p.resolve(r.results[k]!)),
          (err: unknown) => batch.forEach((p) => p.reject(err)),
        );
      }
    }, 0);
  });
}

/** A subscribed query's latest result, or its failure, in one value (undefined: nothing yet). */
export function useLiveResult(spec: LiveQuerySpec | undefined): QueryPush | QueryFailure | undefined {
  const { data, error } = useLiveQuery(spec);
  return error !== undefined ? { id: "", error } : data;
}

/** What a page says about the stream: once it was open, anything but open is "reconnecting". */
export type ShownStatus = "connecting" | "open" | "reconnecting";
export function useShownStatus(): ShownStatus {
  const status = useLiveStatus();
  const [wasOpen, setWasOpen] = useState(false);
  useEffect(() => {
    if (status === "open") {
      setWasOpen(true);
    }
  }, [status]);
  return status === "open" ? "open" : wasOpen ? "reconnecting" : "connecting";
}
