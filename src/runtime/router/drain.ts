// Draining: a drained backend takes no new requests and closes its idle pooled connections at
// once; drain() resolves when its in-flight count reaches 0 or the timeout passes.
import type { BackendState } from "./backend.js";

export type DrainResult = { inFlight: number; completed: boolean };

export function startDrain(b: BackendState): void {
  b.draining = true;
  retire(b);
}

/** Stops pooling connections to b and closes the idle ones (drained or no longer listed). */
export function retire(b: BackendState): void {
  b.agent.retiring = true;
  b.agent.closeIdle();
}

export function waitIdle(b: BackendState, timeoutMs: number): Promise<DrainResult> {
  if (b.inFlight === 0) {
    return Promise.resolve({ inFlight: 0, completed: true });
  }
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      resolve({ inFlight: 0, completed: true });
    };
    const timer = setTimeout(() => {
      const i = b.idleWaiters.indexOf(done);
      if (i >= 0) {
        b.idleWaiters.splice(i, 1);
      }
      resolve({ inFlight: b.inFlight, completed: false });
    }, timeoutMs);
    b.idleWaiters.push(done);
  });
}

/** Called when one request on b ends. */
export function requestEnded(b: BackendState): void {
  b.inFlight--;
  if (b.inFlight === 0 && b.idleWaiters.length > 0) {
    const waiters = b.idleWaiters;
    b.idleWaiters = [];
    for (const w of waiters) {
      w();
    }
  }
}
