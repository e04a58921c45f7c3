// One browser's live stream: its topics, its query subscriptions and a bounded send buffer. A
// client that does not read (a suspended tab, a stalled proxy) is dropped with a final event saying
// why once its unsent bytes pass the bound, instead of growing lineops's memory without limit.
import { sseEvent } from "./sse.js";

/** Where a stream's bytes go: the HTTP response in production, a recorder in tests. */
export interface StreamSink {
  /** Queues text for the client; never throws (a closed sink drops it). */
  write(chunk: string): void;
  /** Bytes queued but not yet handed to the socket (Node's writableLength). */
  readonly buffered: number;
  /** Ends the response after what is queued. */
  end(): void;
  /** Closes the connection now, dropping what is queued. */
  destroy(): void;
}

export const TOPICS = ["deployment", "alert", "instance", "query"] as const;
export type Topic = (typeof TOPICS)[number];

/** Why a stream ended, as its final `closed` event says. */
export type CloseReason = "slow_client" | "shutdown" | "client_gone" | "replaced";

export type StreamLimits = {
  /** Unsent bytes at which the client is dropped. */
  maxBufferedBytes: number;
  /** After a drop, how long the final event may take to drain before the socket is destroyed. */
  dropGraceMs: number;
};

export class LiveStream {
  private closedWith: CloseReason | undefined;
  private readonly closeListeners: ((reason: CloseReason) => void)[] = [];
  private graceTimer: NodeJS.Timeout | undefined;
  /** Bytes written since the stream opened (what the client was sent, if it read it all). */
  sentBytes = 0;

  constructor(
    readonly id: string,
    /** Whose stream: only they may subscribe queries on it. */
    readonly principal: string,
    readonly topics: ReadonlySet<Topic>,
    private readonly sink: StreamSink,
    private readonly limits: StreamLimits,
  ) {}

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  wants(topic: Topic): boolean {
    return this.topics.has(topic);
  }

  /**
   * Queues `chunk`; false when the stream is closed or was dropped by this write (the client had
   * more than maxBufferedBytes unsent).
   */
  send(chunk: string): boolean {
    if (this.closedWith !== undefined) {
      return false;
    }
    if (this.sink.buffered + chunk.length > this.limits.maxBufferedBytes) {
      this.close(
        "slow_client",
        `the client read too slowly: more than ${this.limits.maxBufferedBytes} bytes were waiting to be sent`,
      );
      return false;
    }
    this.sink.write(chunk);
    this.sentBytes += chunk.length;
    return true;
  }

  /**
   * Ends the stream with a final `closed` event saying why. The event is queued even past the
   * buffer bound (it is small); a client that never reads it is cut off after dropGraceMs.
   */
  close(reason: CloseReason, message: string): void {
    if (this.closedWith !== undefined) {
      return;
    }
    this.closedWith = reason;
    if (reason !== "client_gone") {
      this.sink.write(sseEvent("closed", JSON.stringify({ reason, message })));
      this.sink.end();
      this.graceTimer = setTimeout(() => this.sink.destroy(), this.limits.dropGraceMs);
      this.graceTimer.unref();
    }
    for (const l of this.closeListeners.splice(0)) {
      l(reason);
    }
  }

  /** The connection went away (the client closed it, or the socket ended). */
  gone(): void {
    clearTimeout(this.graceTimer);
    this.close("client_gone", "");
  }

  onClose(listener: (reason: CloseReason) => void): void {
    if (this.closedWith !== undefined) {
      listener(this.closedWith);
      return;
    }
    this.closeListeners.push(listener);
  }
}
