// The live hub: every open stream, the replay ring, and the fan-out of topic events (deployments,
// alerts, instances) to the streams that asked for them. Bounded everywhere: streams per principal
// and in total, bytes queued per stream (stream.ts), events and bytes kept for replay (ring.ts).
import { randomBytes } from "node:crypto";
import { DashboardErrors } from "../errors.js";
import { EventRing } from "./ring.js";
import { sseComment, sseEvent, sseRetry } from "./sse.js";
import { LiveStream, TOPICS, type CloseReason, type StreamSink, type Topic } from "./stream.js";

export type LiveHubOptions = {
  /** Open streams in all. */
  maxStreams: number;
  /** Open streams of one principal (a browser with a few tabs; a leaking script stops here). */
  maxStreamsPerPrincipal: number;
  /** Unsent bytes at which a client is dropped. */
  maxBufferedBytes: number;
  /** Interval of the comment line that keeps proxies from timing an idle stream out. */
  heartbeatMs: number;
  /** Events kept for Last-Event-ID replay, by count and by serialised bytes. */
  replayEvents: number;
  replayBytes: number;
  /** EventSource's reconnect delay, sent at the start of each stream. */
  retryMs: number;
  /** After a drop or shutdown, how long the final event may take to drain. */
  dropGraceMs: number;
};

export const LIVE_HUB_DEFAULTS: LiveHubOptions = {
  maxStreams: 256,
  maxStreamsPerPrincipal: 16,
  maxBufferedBytes: 1 << 20,
  heartbeatMs: 15_000,
  replayEvents: 2048,
  replayBytes: 4 << 20,
  retryMs: 2000,
  dropGraceMs: 2000,
};

export type OpenRequest = {
  principal: string;
  /** Topics to receive; all of them when omitted. */
  topics?: readonly Topic[];
  /** The browser's Last-Event-ID header on reconnect: the events after it are replayed. */
  lastEventId?: string;
};

export class LiveHub {
  readonly options: LiveHubOptions;
  private readonly streams = new Map<string, LiveStream>();
  private readonly ring: EventRing;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly openListeners: ((s: LiveStream) => void)[] = [];
  /** Streams dropped for reading too slowly since start (lineops_live_streams_dropped_total). */
  droppedSlow = 0;

  constructor(options: Partial<LiveHubOptions> = {}) {
    this.options = { ...LIVE_HUB_DEFAULTS, ...options };
    this.ring = new EventRing(
      this.options.replayEvents,
      this.options.replayBytes,
      Date.now().toString(36) + randomBytes(2).toString("hex"),
    );
  }

  /**
   * Opens a stream onto `sink`: writes the retry delay, a `hello` event with the stream's id (what
   * query subscriptions name), then the replay (or a `reset` event when the resume point is lost).
   * Throws LINEOPS_ERR_TOO_MANY_STREAMS past the limits, before writing anything.
   */
  open(req: OpenRequest, sink: StreamSink): LiveStream {
    if (this.streams.size >= this.options.maxStreams) {
      throw DashboardErrors.tooManyStreams(
        `lineops has ${this.options.maxStreams} live streams open: the limit`,
      );
    }
    let mine = 0;
    for (const s of this.streams.values()) {
      mine += s.principal === req.principal ? 1 : 0;
    }
    if (mine >= this.options.maxStreamsPerPrincipal) {
      throw DashboardErrors.tooManyStreams(
        `${mine} live streams are open for this principal: the limit is ${this.options.maxStreamsPerPrincipal}; close a tab or reuse one stream`,
      );
    }
    const id = randomBytes(12).toString("base64url");
    const topics = new Set<Topic>(req.topics && req.topics.length > 0 ? req.topics : TOPICS);
    const stream = new LiveStream(id, req.principal, topics, sink, {
      maxBufferedBytes: this.options.maxBufferedBytes,
      dropGraceMs: this.options.dropGraceMs,
    });
    this.streams.set(id, stream);
    stream.onClose((reason) => {
      this.streams.delete(id);
      if (reason === "slow_client") {
        this.droppedSlow++;
      }
      if (this.streams.size === 0) {
        clearInterval(this.heartbeat);
        this.heartbeat = undefined;
      }
    });
    stream.send(sseRetry(this.options.retryMs));
    stream.send(
      sseEvent("hello", JSON.stringify({ stream: id, topics: [...topics], lastEventId: this.ring.lastId() })),
    );
    if (req.lastEventId !== undefined && req.lastEventId !== "") {
      const replay = this.ring.since(req.lastEventId);
      if (replay.kind === "lost") {
        // The events in between are gone (or were another lineops run's): the page reloads its state.
        stream.send(
          sseEvent(
            "reset",
            JSON.stringify({ reason: "resume point no longer held", lastEventId: this.ring.lastId() }),
          ),
        );
      } else {
        for (const e of replay.events) {
          if (stream.wants(e.topic as Topic) && !stream.send(sseEvent(e.topic, e.data, e.id))) {
            break;
          }
        }
      }
    }
    this.heartbeat ??= setInterval(() => this.beat(), this.options.heartbeatMs).unref();
    for (const l of this.openListeners) {
      l(stream);
    }
    return stream;
  }

  /** Publishes a topic event: kept for replay, sent to every stream that wants the topic. */
  publish(topic: Exclude<Topic, "query">, payload: unknown): void {
    if (this.streams.size === 0 && this.ring.length === 0) {
      // Nobody listens and nobody can resume: nothing to keep. Once a stream opened, events are
      // kept even while it reconnects, so its replay has no hole.
      return;
    }
    const e = this.ring.push(topic, JSON.stringify(payload));
    const text = sseEvent(topic, e.data, e.id);
    for (const s of this.streams.values()) {
      if (s.wants(topic)) {
        s.send(text);
      }
    }
  }

  /** The open stream `id` if it belongs to `principal`. */
  stream(id: string, principal: string): LiveStream | undefined {
    const s = this.streams.get(id);
    return s && s.principal === principal && !s.closed ? s : undefined;
  }

  get size(): number {
    return this.streams.size;
  }

  /** Called with every stream once it opened (after its hello and replay). */
  onOpen(listener: (s: LiveStream) => void): void {
    this.openListeners.push(listener);
  }

  /** Ends every stream with a final `closed` event (lineops is stopping). */
  closeAll(reason: CloseReason = "shutdown", message = "lineops is shutting down"): void {
    for (const s of [...this.streams.values()]) {
      s.close(reason, message);
    }
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  /** One heartbeat to every stream; a client whose buffer is still full is dropped by it. */
  beat(): void {
    const text = sseComment(`heartbeat ${Date.now()}`);
    for (const s of [...this.streams.values()]) {
      s.send(text);
    }
  }
}
