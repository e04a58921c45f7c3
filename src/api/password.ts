// Password hashing: argon2id with OWASP's parameters, run off the event loop (libuv's thread pool)
// and at most HASH_CONCURRENCY at a time, so a burst of sign-ins holds bounded memory (19 MiB each).
import { hash, verify, type Algorithm } from "@node-rs/argon2";
import { ApiErrors } from "./errors.js";

/**
 * OWASP Password Storage Cheat Sheet, argon2id: "m=19456 (19 MiB), t=2, p=1" (its first listed
 * configuration; the others trade memory for passes at equal strength). @node-rs/argon2 stores them
 * in the PHC string, so raising them later still verifies old hashes.
 */
export const ARGON2_PARAMS = {
  algorithm: 2 as Algorithm, // Argon2id (a const enum: isolatedModules cannot import its value)
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/**
 * Runs at most `concurrency` jobs at once; up to `queue` more wait their turn and any beyond that are
 * refused at once (429) rather than queued without bound.
 */
export class WorkGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly concurrency: number,
    readonly queue: number,
  ) {}

  get busy(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queue) {
        throw ApiErrors.tooManyRequests("too many sign-ins and password changes at once; try again shortly", {
          retryAfterSeconds: 1,
        });
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) {
        next(); // the slot passes straight to the next caller
      } else {
        this.running--;
      }
    }
  }
}

/** Two hashes at once (2 x 19 MiB; a 2-core edge server), 64 waiting: a burst is bounded in memory. */
const gate = new WorkGate(2, 64);
const withSlot = <T>(work: () => Promise<T>) => gate.run(work);

export function hashPassword(password: string): Promise<string> {
  return withSlot(() => hash(password, ARGON2_PARAMS));
}

/** True when `password` matches the PHC string; a malformed stored hash is a mismatch, not a crash. */
export function verifyPassword(stored: string, password: string): Promise<boolean> {
  return withSlot(() => verify(stored, password).catch(() => false));
}

// Hashed once, lazily: verifying against it costs what a real user's check costs, so an unknown
// name answers as slowly as a wrong password (no timing hint that a user exists).
let dummy: Promise<string> | undefined;

/** Spends the time of one real verification and returns false. */
export async function verifyNobody(password: string): Promise<false> {
  dummy ??= hash("lineops-no-such-user", ARGON2_PARAMS);
  await verifyPassword(await dummy, password);
  return false;
}
