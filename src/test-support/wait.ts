// Bounded polling for tests: a condition is asserted on within a deadline, never after a sleep.
// The one polling helper of the repository's tests (src/ and line/ alike).

/**
 * Polls `check` until it returns a value other than undefined, null or false, and returns that
 * value (so 0 and "" count as answers: an exit code of 0 is one). A check that throws is retried:
 * the process or server it asks may not be up yet. Once `timeoutMs` has passed it throws, naming
 * `what` and the last error seen.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = "condition",
  intervalMs = 25,
): Promise<Exclude<T, undefined | null | false>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== null && v !== false) {
        return v as Exclude<T, undefined | null | false>;
      }
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const last = lastError === undefined ? "" : `: ${String(lastError)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last}`, { cause: lastError });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
