// The replay buffer of the live stream: the last N topic events with their ids, so a browser that
// reconnects with Last-Event-ID gets what it missed. Bounded by count and by bytes; what fell out
// of it cannot be replayed, and the reader is told so (it reloads its state instead).
export type LiveEvent = {
  /** `<epoch>-<seq>`: the epoch changes with every lineops start, so old ids never match new events. */
  id: string;
  seq: number;
  topic: string;
  /** The event's data, already serialised (one JSON text). */
  data: string;
};

export type Replay = { kind: "events"; events: LiveEvent[] } | { kind: "lost" };

export class EventRing {
  private readonly events: (LiveEvent | undefined)[];
  private head = 0;
  private size = 0;
  private bytes = 0;
  private seq = 0;

  constructor(
    private readonly capacity: number,
    private readonly maxBytes: number,
    /** Distinguishes this process's ids from an earlier one's. */
    readonly epoch: string,
  ) {
    this.events = new Array<LiveEvent | undefined>(capacity);
  }

  /** Stores an event and returns it with its id; the oldest ones go when count or bytes run over. */
  push(topic: string, data: string): LiveEvent {
    const seq = ++this.seq;
    const e: LiveEvent = { id: `${this.epoch}-${seq}`, seq, topic, data };
    if (this.size === this.capacity) {
      this.dropOldest();
    }
    this.events[(this.head + this.size) % this.capacity] = e;
    this.size++;
    this.bytes += data.length;
    while (this.bytes > this.maxBytes && this.size > 1) {
      this.dropOldest();
    }
    return e;
  }

  /**
   * The events after `lastEventId`: all of them when the id is this epoch's and nothing after it
   * was dropped; "lost" for another epoch's id, a malformed one, or one that fell out of the ring.
   */
  since(lastEventId: string): Replay {
    const m = /^([0-9a-z]+)-([0-9]{1,15})$/.exec(lastEventId);
    if (!m || m[1] !== this.epoch) {
      return { kind: "lost" };
    }
    const last = Number(m[2]);
    if (last > this.seq) {
      return { kind: "lost" };
    }
    const oldest = this.size === 0 ? this.seq + 1 : this.at(0).seq;
    if (last < oldest - 1) {
      return { kind: "lost" };
    }
    const out: LiveEvent[] = [];
    for (let i = 0; i < this.size; i++) {
      const e = this.at(i);
      if (e.seq > last) {
        out.push(e);
      }
    }
    return { kind: "events", events: out };
  }

  /** The id of the newest event, or the epoch's zero id before any. */
  lastId(): string {
    return `${this.epoch}-${this.seq}`;
  }

  get length(): number {
    return this.size;
  }

  private at(i: number): LiveEvent {
    return this.events[(this.head + i) % this.capacity]!;
  }

  private dropOldest(): void {
    const e = this.at(0);
    this.bytes -= e.data.length;
    this.events[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.size--;
  }
}
