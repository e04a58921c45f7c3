// A StreamSink that records what a stream wrote and lets a test say how much is still unsent (a
// client that stopped reading), and an SSE parser for what was written.
import type { StreamSink } from "../stream.js";

export class RecordingSink implements StreamSink {
  text = "";
  ended = false;
  destroyed = false;
  /** Bytes the test pretends are still waiting for the client. */
  buffered = 0;

  write(chunk: string): void {
    if (!this.ended) {
      this.text += chunk;
    }
  }

  end(): void {
    this.ended = true;
  }

  destroy(): void {
    this.destroyed = true;
  }

  events(): SseMessage[] {
    return parseSse(this.text);
  }
}

export type SseMessage = { event: string; id?: string; data: string; comment?: string };

/** Parses text/event-stream as EventSource does (comments kept apart, for heartbeat tests). */
export function parseSse(text: string): SseMessage[] {
  const out: SseMessage[] = [];
  for (const block of text.split("\n\n")) {
    if (block === "") {
      continue;
    }
    const m: SseMessage = { event: "message", data: "" };
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) {
        m.comment = line.slice(1).trim();
      } else if (line.startsWith("event: ")) {
        m.event = line.slice(7);
      } else if (line.startsWith("id: ")) {
        m.id = line.slice(4);
      } else if (line.startsWith("data: ")) {
        data.push(line.slice(6));
      } else if (line.startsWith("retry: ")) {
        m.event = "retry";
      }
    }
    m.data = data.join("\n");
    out.push(m);
  }
  return out;
}
