// How hard the outbox tries per channel: attempts, backoff, circuit breaker, rate limit and the
// fallback channel. One zod schema is both the YAML shape (snake_case, durations as "30s") and,
// after parsing, the policy the worker reads.
import { z } from "zod";
import { duration } from "../../../model/duration.js";
import type { RateLimitOptions } from "./rate-limit.js";
import type { BreakerOptions } from "./breaker.js";

export const channelPolicySchema = z.strictObject({
  /** Channel that carries a message on when this one's breaker is open or its attempts run out. */
  fallback: z.string().min(1).optional(),
  /** Attempts before a message is handed to the fallback, or given up when there is none. */
  max_attempts: z.number().int().min(1).max(1000).optional(),
  breaker: z
    .strictObject({
      failure_threshold: z.number().int().min(1).max(1000),
      cool_down: duration(),
    })
    .optional(),
  rate_limit: z
    .strictObject({
      per_second: z.number().positive().max(10_000),
      burst: z.number().int().min(1).max(10_000),
    })
    .optional(),
});

export type ChannelPolicyConfig = z.infer<typeof channelPolicySchema>;

/** What the worker uses for one channel, every field filled in. */
export type ChannelPolicy = {
  fallback?: string;
  maxAttempts: number;
  breaker: BreakerOptions;
  rateLimit?: RateLimitOptions;
};

/**
 * Defaults: 20 attempts (with the backoff capped at 5 minutes, about an hour and a half of trying),
 * the breaker opens after 5 consecutive failures and probes after 30 s; no rate limit unless set.
 */
export const DEFAULT_POLICY: ChannelPolicy = {
  maxAttempts: 20,
  breaker: { failureThreshold: 5, coolDownMs: 30_000 },
};

export function resolvePolicy(
  config: ChannelPolicyConfig | undefined,
  base: ChannelPolicy = DEFAULT_POLICY,
): ChannelPolicy {
  const out: ChannelPolicy = {
    maxAttempts: config?.max_attempts ?? base.maxAttempts,
    breaker: config?.breaker
      ? { failureThreshold: config.breaker.failure_threshold, coolDownMs: config.breaker.cool_down }
      : base.breaker,
  };
  const fallback = config?.fallback ?? base.fallback;
  if (fallback !== undefined) {
    out.fallback = fallback;
  }
  const rate = config?.rate_limit
    ? { perSecond: config.rate_limit.per_second, burst: config.rate_limit.burst }
    : base.rateLimit;
  if (rate) {
    out.rateLimit = rate;
  }
  return out;
}
