// Sign-in throttling: failed attempts are counted per client address and per user name; past a few
// free failures each further one doubles the wait (capped), and a quiet spell forgets them. Both
// tables are LRUs of fixed size, so an attacker cycling names or addresses evicts old entries
// instead of growing memory; the per-address count still slows a single client cycling names.
import net from "node:net";

export type LimitPolicy = {
  /** Failures answered at once; the next ones wait. */
  freeFailures: number;
  /** The wait after the first failure past the free ones; it doubles with each further one. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** No failure for this long: the count starts over. */
  forgetAfterMs: number;
  /** Entries kept; the least recently failed one goes first. */
  maxEntries: number;
};

export type SignInLimits = { perUser: LimitPolicy; perAddress: LimitPolicy };

// A person mistypes a few times; a shared kiosk or NAT address carries several people's typos.
export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = {
  perUser: {
    freeFailures: 5,
    baseDelayMs: 1000,
    maxDelayMs: 15 * 60_000,
    forgetAfterMs: 3600_000,
    maxEntries: 10_000,
  },
  perAddress: {
    freeFailures: 20,
    baseDelayMs: 1000,
    maxDelayMs: 15 * 60_000,
    forgetAfterMs: 3600_000,
    maxEntries: 10_000,
  },
};

type Failures = { count: number; lastAt: number };

/** A Map used as an LRU: iteration order is insertion order, so re-inserting marks recent use. */
export class BoundedLru<V> {
  private readonly map = new Map<string, V>();

  constructor(readonly maxEntries: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next();
      if (!oldest.done) {
        this.map.delete(oldest.value);
      }
    }
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}

/** One counter table under one policy. */
export class FailureCounter {
  private readonly table: BoundedLru<Failures>;

  constructor(
    private readonly policy: LimitPolicy,
    private readonly now: () => number,
  ) {
    this.table = new BoundedLru(policy.maxEntries);
  }

  get size(): number {
    return this.table.size;
  }

  /** Milliseconds before `key` may try again (0: now). */
  waitMs(key: string): number {
    const f = this.live(key);
    if (!f || f.count < this.policy.freeFailures) {
      return 0;
    }
    const exponent = Math.min(f.count - this.policy.freeFailures, 30);
    const delay = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** exponent);
    return Math.max(0, f.lastAt + delay - this.now());
  }

  fail(key: string): void {
    const f = this.live(key);
    this.table.set(key, { count: (f?.count ?? 0) + 1, lastAt: this.now() });
  }

  clear(key: string): void {
    this.table.delete(key);
  }

  private live(key: string): Failures | undefined {
    const f = this.table.get(key);
    if (f && this.now() - f.lastAt >= this.policy.forgetAfterMs) {
      this.table.delete(key);
      return undefined;
    }
    return f;
  }
}

/** The eight 16-bit groups of an IPv6 address (net.isIPv6 already said it is one). */
function ipv6Groups(address: string): number[] {
  let text = address.split("%")[0] ?? ""; // zone id: not part of the address
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((g) => parseInt(g, 16)));
  const h = parse(head);
  const t = tail === undefined ? [] : parse(tail);
  return [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
}

/** The address a limit is kept for: an IPv6 client's /64 (one host holds a whole /64), an IPv4 one as is. */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) {
    return mapped[1];
  }
  if (net.isIPv6(address)) {
    return `${ipv6Groups(address)
      .slice(0, 4)
      .map((g) => g.toString(16))
      .join(":")}::/64`;
  }
  return address;
}

export class SignInLimiter {
  private readonly users: FailureCounter;
  private readonly addresses: FailureCounter;

  constructor(limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS, now: () => number = Date.now) {
    this.users = new FailureCounter(limits.perUser, now);
    this.addresses = new FailureCounter(limits.perAddress, now);
  }

  /** Milliseconds before this client may try this name again (0: now). */
  waitMs(address: string, username: string): number {
    return Math.max(this.addresses.waitMs(addressKey(address)), this.users.waitMs(username));
  }

  failed(address: string, username: string): void {
    this.addresses.fail(addressKey(address));
    this.users.fail(username);
  }

  /** A sign-in succeeded: the name's count starts over (the address's keeps counting other names' failures). */
  succeeded(username: string): void {
    this.users.clear(username);
  }

  /** Entries held, for tests of the memory bound. */
  get size(): { users: number; addresses: number } {
    return { users: this.users.size, addresses: this.addresses.size };
  }
}
