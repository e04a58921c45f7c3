// A Server-Sent Events reader over node's fetch streaming, as a browser's EventSource sees the
// stream: events parsed as they arrive, waited for with a deadline.
import { parseSse, type SseMessage } from "./sink.js";

export class SseClient {
  readonly events: SseMessage[] = [];
  status = 0;
  done = false;
  private buffer = "";
  private readonly abort = new AbortController();
  private waiters: (() => void)[] = [];
  /** When each event was parsed (Date.now()), by index in `events`. */
  readonly receivedAt: number[] = [];

  static async open(url: string, headers: Record<string, string>): Promise<SseClient> {
    const c = new SseClient();
    const res = await fetch(url, { headers, signal: c.abort.signal });
    c.status = res.status;
    if (!res.ok || !res.body) {
      c.buffer = await res.text();
      c.done = true;
      return c;
    }
    void c.read(res.body.getReader());
    return c;
  }

  /** The body of a refused open (the error envelope). */
  get errorBody(): string {
    return this.buffer;
  }

  close(): void {
    this.abort.abort();
  }

  /** The first event (from index `from` on) that `match` accepts, within `timeoutMs`. */
  async next(match: (e: SseMessage) => boolean, timeoutMs = 10_000, from = 0): Promise<SseMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.slice(from).find(match);
      if (hit) {
        return hit;
      }
      if (this.done) {
        throw new Error(
          `the stream ended without the event; got ${this.events.map((e) => e.event).join(",")}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out waiting for an event; got ${this.events.map((e) => e.event).join(",")}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Resolves once the server ended the stream. */
  async ended(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.done) {
      if (Date.now() > deadline) {
        throw new Error("timed out waiting for the stream to end");
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  private async read(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          break;
        }
        this.buffer += decoder.decode(value, { stream: true });
        const cut = this.buffer.lastIndexOf("\n\n");
        if (cut >= 0) {
          const now = Date.now();
          for (const e of parseSse(this.buffer.slice(0, cut + 2))) {
            this.events.push(e);
            this.receivedAt.push(now);
          }
          this.buffer = this.buffer.slice(cut + 2);
          this.wake();
        }
      }
    } catch {
      // aborted by close(), or the connection was cut
    }
    this.done = true;
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) {
      w();
    }
  }
}
