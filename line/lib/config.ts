// Reads the env contract shared by all line services (HOST, PORT, SERVICE_VERSION, dependency URLs)
// and fails fast with a ConfigError, which the entry points turn into exit code 2.

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

export type Env = Record<string, string | undefined>;

export type BaseConfig = {
  host: string;
  /** 0 asks the OS for a free port; the chosen one is logged in the "listening" line. */
  port: number;
  version: string;
  /** Upper bound on a graceful drain before the process gives up and exits 1. */
  shutdownTimeoutMs: number;
};

export function readBaseConfig(env: Env): BaseConfig {
  const rawPort = env.PORT;
  if (rawPort === undefined || rawPort.trim() === "") {
    throw new ConfigError("PORT is required");
  }
  return {
    host: nonEmpty(env.HOST) ?? "127.0.0.1",
    port: readInt(env, "PORT", 0, { min: 0, max: 65535 }),
    version: nonEmpty(env.SERVICE_VERSION) ?? "1.0.0",
    shutdownTimeoutMs: readInt(env, "SHUTDOWN_TIMEOUT_MS", 25_000, { min: 0 }),
  };
}

/** An integer env var; `fallback` when unset, ConfigError when set but not a valid integer in range. */
export function readInt(env: Env, key: string, fallback: number, range: { min?: number; max?: number } = {}) {
  const raw = nonEmpty(env[key]);
  if (raw === undefined) {
    return fallback;
  }
  const value = Number(raw);
  const { min = -Infinity, max = Infinity } = range;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${key} must be an integer in [${min}, ${max}], got "${raw}"`);
  }
  return value;
}

/** A probability env var in [0, 1], used to make the simulated failure rates tunable in tests. */
export function readRate(env: Env, key: string, fallback: number): number {
  const raw = nonEmpty(env[key]);
  if (raw === undefined) {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new ConfigError(`${key} must be a number in [0, 1], got "${raw}"`);
  }
  return value;
}

/**
 * A dependency's base URL, or undefined when lineops did not inject it (the call is then skipped
 * so a service also runs standalone). Trailing slashes are dropped so paths can be appended.
 */
export function readUrl(env: Env, key: string): string | undefined {
  const raw = nonEmpty(env[key]);
  if (raw === undefined) {
    return undefined;
  }
  try {
    new URL(raw);
  } catch {
    throw new ConfigError(`${key} must be an absolute URL, got "${raw}"`);
  }
  return raw.replace(/\/+$/, "");
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}
