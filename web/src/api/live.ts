// The one live stream of the browser (GET /api/v1/live, Server-Sent Events): every page that shows
// something live listens here, and the stream is open while at least one listener is. It carries
// all topics, so a page that comes later never opens a second connection. EventSource reconnects
// by itself and resends Last-Event-ID, so a short outage loses nothing; when lineops no longer
// holds the missed events (or restarted) it sends `reset`, and pages reload their state then.
import { useSyncExternalStore } from "react";

export type LiveTopic = "deployment" | "instance" | "alert" | "query";
export type LiveStatus = "connecting" | "open" | "closed";

type Handler = (data: unknown) => void;

const PATH = "/api/v1/live";
/** After the last listener leaves, the stream stays open this long: a page change reuses it. */
const LINGER_MS = 5_000;
/** A stream the browser gave up on (401, lineops gone) is opened again after this long. */
const RETRY_MS = 5_000;
const TOPICS: readonly LiveTopic[] = ["deployment", "instance", "alert", "query"];

const handlers = new Map<LiveTopic, Set<Handler>>(TOPICS.map((t) => [t, new Set<Handler>()]));
/** Called on every `hello` (a new or re-established stream) and on `reset`: reload state. */
const syncers = new Set<() => void>();
const statusListeners = new Set<() => void>();

let source: EventSource | undefined;
let status: LiveStatus = "closed";
let streamId: string | undefined;
let lingerTimer: ReturnType<typeof setTimeout> | undefined;
let retryTimer: ReturnType<typeof setTimeout> | undefined;

function listenerCount(): number {
  let n = syncers.size;
  for (const set of handlers.values()) {
    n += set.size;
  }
  return n;
}

function setStatus(s: LiveStatus): void {
  if (s !== status) {
    status = s;
    statusListeners.forEach((l) => l());
  }
}

function parse(e: MessageEvent<string>): unknown {
  try {
    return JSON.parse(e.data) as unknown;
  } catch {
    return undefined; // lineops sends JSON only; anything else is not ours to show
  }
}

function resync(): void {
  for (const s of [...syncers]) {
    s();
  }
}

function open(): void {
  if (source !== undefined) {
    return;
  }
  setStatus("connecting");
  const es = new EventSource(PATH); // same origin: the session cookie goes with it
  source = es;
  es.addEventListener("hello", (e) => {
    const hello = parse(e as MessageEvent<string>) as { stream?: string } | undefined;
    streamId = hello?.stream;
    setStatus("open");
    resync();
  });
  es.addEventListener("reset", () => resync());
  for (const topic of TOPICS) {
    es.addEventListener(topic, (e) => {
      const data = parse(e as MessageEvent<string>);
      if (data !== undefined) {
        for (const h of [...(handlers.get(topic) ?? [])]) {
          h(data);
        }
      }
    });
  }
  es.addEventListener("error", () => {
    streamId = undefined;
    if (es.readyState === EventSource.CLOSED) {
      // The browser does not retry this one (an HTTP error such as 401): we do, while wanted.
      source = undefined;
      setStatus("closed");
      retryTimer ??= setTimeout(() => {
        retryTimer = undefined;
        if (listenerCount() > 0) {
          open();
        }
      }, RETRY_MS);
    } else {
      setStatus("connecting");
    }
  });
}

function close(): void {
  source?.close();
  source = undefined;
  streamId = undefined;
  setStatus("closed");
}

function retain(): void {
  if (lingerTimer !== undefined) {
    clearTimeout(lingerTimer);
    lingerTimer = undefined;
  }
  open();
}

function release(): void {
  if (listenerCount() === 0 && lingerTimer === undefined) {
    lingerTimer = setTimeout(() => {
      lingerTimer = undefined;
      if (listenerCount() === 0) {
        close();
      }
    }, LINGER_MS);
  }
}

/** Calls `handler` with each event of `topic` (its parsed data); returns the unsubscribe. */
export function onLive(topic: LiveTopic, handler: Handler): () => void {
  handlers.get(topic)?.add(handler);
  retain();
  return () => {
    handlers.get(topic)?.delete(handler);
    release();
  };
}

/**
 * Calls `sync` whenever the page must reload what it shows: when the stream is (re)established
 * (events between the page's own load and the stream's start would otherwise be lost) and on
 * `reset`. A page loads once by itself too; joining a stream already open, it misses nothing.
 */
export function onLiveSync(sync: () => void): () => void {
  syncers.add(sync);
  retain();
  return () => {
    syncers.delete(sync);
    release();
  };
}

/** The open stream's id (for query subscriptions), undefined until its `hello`. */
export function liveStreamId(): string | undefined {
  return streamId;
}

function subscribeStatus(l: () => void): () => void {
  statusListeners.add(l);
  return () => statusListeners.delete(l);
}

/** The stream's state, for a "live" indicator. */
export function useLiveStatus(): LiveStatus {
  return useSyncExternalStore(subscribeStatus, () => status);
}
