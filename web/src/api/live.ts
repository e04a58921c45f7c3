// The one live stream of the browser (GET /api/v1/live, Server-Sent Events): every page listens to
// the same EventSource, opened when the first listener comes and closed when the last one goes.
// Pages receive topic events (deployment, alert, instance) and subscribe queries on the stream; a
// new `hello` (the stream was reopened) or a `reset` tells them to reload what they show, since
// events may have been missed. No page polls what the stream carries.
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { api } from "./client.js";
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
    for (const sub of querySubs.values()) {
      void subscribeOnStream(sub);
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

function subscribeOnStream(sub: QuerySub): Promise<void> {
  const stream = streamId;
  if (stream === undefined) {
    return Promise.resolve(); // subscribed on the next hello
  }
  const registration = api("/api/v1/live/subscriptions", {
    method: "POST",
    body: {
      stream,
      id: sub.id,
      query: sub.query,
      range: sub.range,
      ...(sub.width !== undefined ? { width: sub.width } : {}),
      ...(sub.step !== undefined ? { step: sub.step } : {}),
    },
  }).then(
    () => stream,
    (err: unknown) => {
      if (stream === streamId && querySubs.has(sub.id)) {
        sub.onPush({ id: sub.id, error: (err as Error).message });
      }
      return undefined;
    },
  );
  sub.registered = registration;
  return registration.then(() => undefined);
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
  void subscribeOnStream(sub);
  return () => {
    querySubs.delete(sub.id);
    // Only a subscription registered on the stream still open is deleted; one whose stream ended
    // went with it.
    void sub.registered?.then((stream) => {
      if (stream !== undefined && stream === streamId) {
        return api(`/api/v1/live/subscriptions/${encodeURIComponent(stream)}/${sub.id}`, {
          method: "DELETE",
        }).catch(() => undefined); // the stream may end meanwhile, and its subscriptions with it
      }
      return undefined;
    });
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
