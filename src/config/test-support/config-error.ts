// The ConfigError a config or line parse must throw, for tests that assert on its issues or message.
import { expect } from "vitest";
import { ConfigError } from "../errors.js";

/** Runs `fn`, expects it to throw a ConfigError, and returns that error. */
export function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError");
}
