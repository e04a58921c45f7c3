// Escalation policies: what a policy looks like, the checks that refuse one naming a target that
// does not exist (nothing is stored then), and which policy an incident uses. The semantics are
// PagerDuty's escalation policies and Grafana OnCall's escalation chains: ordered levels, each
// notifying its targets and waiting its timeout for an acknowledgement before the next; after the
// last level the chain starts over, `repeat` more times.
import { z } from "zod";
import { defineError } from "../../errors.js";
import { parseDuration } from "../../model/duration.js";
import type { AlarmPriority } from "../notify/channel.js";

export const EscalationErrors = {
  invalid: defineError("LINEOPS_ERR_ESCALATION_POLICY_INVALID", 400, "bad_data"),
  notFound: defineError("LINEOPS_ERR_ESCALATION_POLICY_NOT_FOUND", 404, "not_found"),
} as const;

const PRIORITIES = ["low", "medium", "high", "critical"] as const;
export const POLICY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;
const MAX_TIMEOUT_MS = 24 * 3_600_000;

/** A duration string ("5m") or milliseconds. */
const durationField = (what: string, min: number, max: number) =>
  z.union([z.string().max(32), z.number()]).transform((v, ctx) => {
    const ms = typeof v === "number" ? v : parseDuration(v);
    if (ms === undefined || !Number.isSafeInteger(ms) || ms < min || ms > max) {
      ctx.addIssue({
        code: "custom",
        message: `${what}: a duration from ${min / 1000}s to ${max / 3_600_000}h, like "5m" (got ${JSON.stringify(v)})`,
      });
      return z.NEVER;
    }
    return ms;
  });

const targetSchema = z.strictObject({
  kind: z.enum(["user", "schedule", "team", "receiver"]),
  name: z.string().min(1).max(128),
});

const levelSchema = z.strictObject({
  /** How long to wait for an acknowledgement before the next level. */
  timeout: durationField("timeout", 10_000, MAX_TIMEOUT_MS),
  targets: z.array(targetSchema).min(1, "a level needs at least one target").max(20),
});

/** A policy as the API and the CLI write it. */
export const policySpecSchema = z.strictObject({
  description: z.string().max(500).optional(),
  /** Used by an incident no matching policy takes. At most one policy is the default. */
  default: z.boolean().optional(),
  /** Policies with `match` are tried in this order (then by name); the first that matches wins. */
  order: z.number().int().min(0).max(10_000).optional(),
  match: z
    .strictObject({
      /** Every label must have this value on the incident's root (or first) alert. */
      labels: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(256)).optional(),
      /** The incident's priority is one of these. */
      priorities: z.array(z.enum(PRIORITIES)).min(1).optional(),
    })
    .optional(),
  levels: z.array(levelSchema).min(1, "a policy needs at least one level").max(20),
  /** Passes through the levels after the first, when nobody acknowledges (PagerDuty: 0 to 9). */
  repeat: z.number().int().min(0).max(9).default(0),
  /** An acknowledgement holds this long; then the incident is triggered again and escalation restarts. */
  ack_timeout: durationField("ack_timeout", 60_000, 7 * 24 * 3_600_000).optional(),
});

export type PolicySpec = z.output<typeof policySpecSchema>;
export type PolicyTarget = PolicySpec["levels"][number]["targets"][number];
export type PolicyLevel = PolicySpec["levels"][number];
export type Policy = PolicySpec & { name: string };

/** What a policy check needs to know: does this user/schedule/team/receiver exist. */
export type TargetChecker = {
  /** Throws an error naming the target when it does not exist. */
  checkPerson(t: { kind: "user" | "schedule" | "team"; name: string }): void;
  receivers(): readonly string[];
};

/** Parses and checks a policy; throws 400 naming the first field or target at fault. */
export function checkPolicy(name: string, body: unknown, check: TargetChecker): PolicySpec {
  if (!POLICY_NAME.test(name)) {
    throw EscalationErrors.invalid("name: 1-64 letters, digits, . _ @ - starting with a letter or digit");
  }
  const parsed = policySpecSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.join(".");
    throw EscalationErrors.invalid(`${at === "" ? "policy" : at}: ${issue.message}`);
  }
  const spec = parsed.data;
  const receivers = new Set(check.receivers());
  spec.levels.forEach((level, li) =>
    level.targets.forEach((t, ti) => {
      const at = `levels[${li}].targets[${ti}]`;
      if (t.kind === "receiver") {
        if (!receivers.has(t.name)) {
          throw EscalationErrors.invalid(`${at}: unknown receiver ${JSON.stringify(t.name)}`);
        }
        return;
      }
      try {
        check.checkPerson({ kind: t.kind, name: t.name });
      } catch {
        throw EscalationErrors.invalid(`${at}: unknown ${t.kind} ${JSON.stringify(t.name)}`);
      }
    }),
  );
  return spec;
}

/** What an incident is matched on. */
export type IncidentFacts = { priority: AlarmPriority; labels: Readonly<Record<string, string>> };

/**
 * The policy an incident uses: the first policy with `match` that matches (by `order`, then name),
 * else the default policy, else none.
 */
export function selectPolicy(policies: readonly Policy[], facts: IncidentFacts): Policy | undefined {
  const matching = policies
    .filter((p) => p.match !== undefined && matches(p.match, facts))
    .sort((a, b) => (a.order ?? 100) - (b.order ?? 100) || a.name.localeCompare(b.name));
  return matching[0] ?? policies.find((p) => p.default === true);
}

function matches(m: NonNullable<PolicySpec["match"]>, facts: IncidentFacts): boolean {
  if (m.priorities !== undefined && !m.priorities.includes(facts.priority)) {
    return false;
  }
  return Object.entries(m.labels ?? {}).every(([k, v]) => facts.labels[k] === v);
}
