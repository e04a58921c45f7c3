// The one live connection of the browser: a single EventSource on GET /api/v1/live shared by every
// page (docs/api.md "Live updates"). Pages listen to its events (deployment, alert, instance, ...)
// and subscribe PromQL queries on it; the subscriptions are made again on every `hello`, since a
// stream that ends takes its subscriptions with it. When the browser gives up on the stream (an
// HTTP error while lineops restarts), a new one is opened with backoff, resuming at the last id.
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { api, apiUrl } from "./client.js";
import type { Labels, SamplePair } from "./prometheus.js";

export type LiveStatus = "connecting" | "open" | "reconnecting";

/** A subscribed query's push: a Prometheus range result plus each series' newest value (`head`). */
export type LiveQueryResult = {
  id: string;
  reset: boolean;
  resultType: "matrix";
  start: number;
  end: number;
  step: number;
  result: { metric: Labels; values: SamplePair[] }[];
  head?: { metric: Labels; value: SamplePair }[];
};
export type LiveQueryError = { id: string; error: string; code?: string; errorType?: string };

export type LiveQuerySpec = {
  query: string;
  /** Seconds of history up to now. */
  range: number;
  step?: number;
  /** The chart's width in pixels: at most this many points per series. */
  width?: number;
};

type Handler = (data: unknown, id: string) => void;
type QuerySub = { id: string; spec: LiveQuerySpec; onData(r: LiveQueryResult | LiveQueryError): void };

/** Events a page may listen to; `hello` comes first on every (re)connection, `reset` when replay failed. */
const EVENTS = ["hello", "deployment", "instance", "alert", "query", "reset", "closed"] as const;
export type LiveEvent = (typeof EVENTS)[number];

const MAX_BACKOFF_MS = 10_000;

class LiveConnection {
  private source: EventSource | undefined;
  private stream: string | undefined;
  private lastEventId: string | undefined;
  private status: LiveStatus = "connecting";
  private retryMs = 500;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly statusListeners = new Set<() => void>();
  private readonly queries = new Map<string, QuerySub>();
  private users = 0;
  private nextQuery = 0;

  /** Keeps the stream open while at least one page uses it; returns the release. */
  retain(): () => void {
    this.users++;
    if (this.users === 1) {
      this.open();
    }
    return () => {
      this.users--;
      if (this.users === 0) {
        this.close();
      }
    };
  }

  on(event: LiveEvent, handler: Handler): () => void {
    let set = this.handlers.get(event);
    if (!set) {
      set = new Set();
      this.handlers.set(event, set);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Subscribes `spec` now (when the stream is open) and again after every reconnection. */
  subscribe(spec: LiveQuerySpec, onData: QuerySub["onData"]): () => void {
    const sub: QuerySub = { id: `q${++this.nextQuery}`, spec, onData };
    this.queries.set(sub.id, sub);
    if (this.stream !== undefined) {
      void this.post(this.stream, sub);
    }
    return () => {
      this.queries.delete(sub.id);
      const stream = this.stream;
      if (stream !== undefined) {
        api(`/api/v1/live/subscriptions/${encodeURIComponent(stream)}/${sub.id}`, {
          method: "DELETE",
          envelope: false, // 204, no body
        }).catch(() => undefined); // the stream may be gone already: nothing left to end
      }
    };
  }

  getStatus = (): LiveStatus => this.status;

  onStatus = (l: () => void): (() => void) => {
    this.statusListeners.add(l);
    return () => this.statusListeners.delete(l);
  };

  private setStatus(s: LiveStatus): void {
    if (s !== this.status) {
      this.status = s;
      for (const l of this.statusListeners) {
        l();
      }
    }
  }

  private open(): void {
    clearTimeout(this.retryTimer);
    const source = new EventSource(apiUrl("/api/v1/live", { lastEventId: this.lastEventId }));
    this.source = source;
    for (const name of EVENTS) {
      source.addEventListener(name, (e) => this.dispatch(name, e as MessageEvent<string>));
    }
    source.onerror = () => {
      this.stream = undefined;
      this.setStatus("reconnecting");
      // CONNECTING: the browser retries by itself. CLOSED: it gave up (an HTTP error or a wrong
      // content type, as while lineops restarts behind a proxy): open a new stream ourselves.
      if (source.readyState === EventSource.CLOSED && this.source === source) {
        source.close();
        this.source = undefined;
        this.retryTimer = setTimeout(() => this.users > 0 && this.open(), this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, MAX_BACKOFF_MS);
      }
    };
  }

  private close(): void {
    clearTimeout(this.retryTimer);
    this.source?.close();
    this.source = undefined;
    this.stream = undefined;
    this.setStatus("connecting");
  }

  private dispatch(name: LiveEvent, e: MessageEvent<string>): void {
    let data: unknown;
    try {
      data = JSON.parse(e.data);
    } catch {
      return; // not lineops's JSON: nothing a page could use
    }
    if (e.lastEventId) {
      this.lastEventId = e.lastEventId;
    }
    if (name === "hello") {
      this.stream = (data as { stream: string }).stream;
      this.retryMs = 500;
      this.setStatus("open");
      for (const sub of this.queries.values()) {
        void this.post(this.stream, sub);
      }
    } else if (name === "query") {
      const id = (data as { id?: string }).id;
      const sub = id === undefined ? undefined : this.queries.get(id);
      sub?.onData(data as LiveQueryResult | LiveQueryError);
    } else if (name === "closed") {
      this.stream = undefined;
      this.setStatus("reconnecting");
    }
    for (const h of this.handlers.get(name) ?? []) {
      h(data, e.lastEventId);
    }
  }

  private async post(stream: string, sub: QuerySub): Promise<void> {
    try {
      await api("/api/v1/live/subscriptions", {
        method: "POST",
        body: { stream, id: sub.id, ...sub.spec },
      });
    } catch (err) {
      // The stream may have ended meanwhile (the next hello subscribes again); anything else is
      // the query's own error, shown where its result would be.
      if (this.stream === stream && this.queries.has(sub.id)) {
        sub.onData({ id: sub.id, error: (err as Error).message, code: (err as { code?: string }).code });
      }
    }
  }
}

/** The browser's one live connection. */
export const live = new LiveConnection();

/** Keeps the stream open while the component is mounted and returns its status. */
export function useLiveStatus(): LiveStatus {
  useEffect(() => live.retain(), []);
  return useSyncExternalStore(live.onStatus, live.getStatus);
}

/** Calls `handler` for every `event` while mounted (the latest handler: no re-subscription per render). */
export function useLiveEvent(event: LiveEvent, handler: Handler): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    const release = live.retain();
    const off = live.on(event, (d, id) => ref.current(d, id));
    return () => {
      off();
      release();
    };
  }, [event]);
}

/** The latest push of a subscribed query (undefined until the first). */
export function useLiveQuery(spec: LiveQuerySpec | undefined): LiveQueryResult | LiveQueryError | undefined {
  const [value, setValue] = useState<LiveQueryResult | LiveQueryError | undefined>(undefined);
  const key = spec === undefined ? "" : JSON.stringify(spec);
  useEffect(() => {
    if (key === "") {
      return undefined;
    }
    const release = live.retain();
    const off = live.subscribe(JSON.parse(key) as LiveQuerySpec, (r) => setValue((prev) => merge(prev, r)));
    return () => {
      off();
      release();
    };
  }, [key]);
  return value;
}

/** Applies an incremental push (`reset: false`) to the points held, as docs/api.md describes. */
export function merge(
  prev: LiveQueryResult | LiveQueryError | undefined,
  next: LiveQueryResult | LiveQueryError,
): LiveQueryResult | LiveQueryError {
  if ("error" in next || next.reset || prev === undefined || "error" in prev) {
    return next;
  }
  const key = (m: Labels) => JSON.stringify(Object.entries(m).sort());
  const old = new Map(prev.result.map((s) => [key(s.metric), s.values]));
  const from = next.result.reduce((t, s) => Math.min(t, s.values[0]?.[0] ?? Infinity), Infinity);
  const sent = new Set(next.result.map((s) => key(s.metric)));
  const result = next.result.map((s) => {
    const kept = (old.get(key(s.metric)) ?? []).filter(([t]) => t >= next.start && t < from);
    return { metric: s.metric, values: [...kept, ...s.values] };
  });
  // A series without new points keeps those still in the window (it may have stopped reporting).
  for (const s of prev.result) {
    if (!sent.has(key(s.metric))) {
      const kept = s.values.filter(([t]) => t >= next.start);
      if (kept.length > 0) {
        result.push({ metric: s.metric, values: kept });
      }
    }
  }
  return { ...next, result };
}
