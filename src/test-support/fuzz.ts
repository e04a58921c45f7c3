// The frame every fast-check fuzz suite (*.fuzz.test.ts) shares: a fixed seed so a failure replays
// exactly (fast-check prints it with the counterexample), near-valid inputs made by editing valid
// examples, and the one property every parser keeps: it returns, or throws its own coded error,
// within a per-case time budget.
import fc from "fast-check";
import { expect } from "vitest";
import { LineopsError } from "../errors.js";

/** Fixed so CI and a laptop see the same cases; LINEOPS_FUZZ_SEED explores others. */
export const FUZZ_SEED = Number(process.env.LINEOPS_FUZZ_SEED ?? 20_261_203);

/**
 * CPU time one case may take. Cases are kept to a few KiB, which every parser here handles in a few
 * milliseconds, so 200 ms only trips on a hang or on super-linear work. CPU time, not wall time:
 * on a shared 2-core machine at load 12, wall time of a 10 ms case spiked past 300 ms.
 */
export const CASE_BUDGET_MS = 200;

/** CPU milliseconds (user + system) this process has used so far. */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** fast-check parameters of a fuzz property: the fixed seed and `numRuns` cases. */
export function fuzzParams<T>(numRuns: number): fc.Parameters<T> {
  return { seed: FUZZ_SEED, numRuns };
}

/** What one call did: its value, or the coded error it threw. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: LineopsError };

/**
 * Runs `fn` and fails the property when it throws anything but a LineopsError with one of
 * `codes` and a message, or when it takes longer than the budget.
 */
export function withinBudget<T>(
  fn: () => T,
  codes: readonly string[],
  budgetMs = CASE_BUDGET_MS,
): Outcome<T> {
  const t0 = cpuMs();
  let outcome: Outcome<T>;
  try {
    outcome = { ok: true, value: fn() };
  } catch (err) {
    if (!(err instanceof LineopsError) || !codes.includes(err.code)) {
      throw err;
    }
    expect(err.message.length).toBeGreaterThan(0);
    outcome = { ok: false, error: err };
  }
  expect(cpuMs() - t0, "per-case CPU time budget (ms)").toBeLessThan(budgetMs);
  return outcome;
}

/** One edit of a text: delete `del` characters at `at` (modulo the length) and insert `insert`. */
export type Edit = { at: number; del: number; insert: string };

/** One to five edits whose insertions are mostly the grammar's own tokens, sometimes any text. */
export function editsArb(tokens: readonly string[]): fc.Arbitrary<Edit[]> {
  return fc.array(
    fc.record({
      at: fc.nat(),
      del: fc.nat({ max: 3 }),
      insert: fc.oneof({ weight: 3, arbitrary: fc.constantFrom("", ...tokens) }, fc.string({ maxLength: 4 })),
    }),
    { minLength: 1, maxLength: 5 },
  );
}

export function mutate(text: string, edits: readonly Edit[]): string {
  let out = text;
  for (const e of edits) {
    const at = out.length === 0 ? 0 : e.at % (out.length + 1);
    out = out.slice(0, at) + e.insert + out.slice(at + e.del);
  }
  return out;
}

/** Valid examples, each edited a little: the inputs that get past a parser's first checks. */
export function nearValid(examples: readonly string[], tokens: readonly string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...examples), editsArb(tokens)).map(([text, edits]) => mutate(text, edits));
}

/** Sequences of the grammar's tokens: structure-shaped noise that random strings rarely reach. */
export function tokenSoup(tokens: readonly string[], maxLength = 40): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...tokens), { maxLength }).map((t) => t.join(""));
}
