// Escalation policies: viewers read, admins write (every write audited by the audit hook). A policy
// naming an unknown user, schedule, team or receiver is refused with the target at fault and nothing
// is stored (src/alerting/escalation/policy.ts). Also where an incident's chain stands.
import { z } from "zod";
import type { EscalationPolicies, EscalationRunner } from "../../alerting/index.js";
import { IncidentErrors } from "../../alerting/index.js";
import { JSON_TYPES } from "../body.js";
import { nameParams } from "../types.js";
import { route, type ApiApp } from "../validation.js";

export type EscalationService = { policies: EscalationPolicies; runner: EscalationRunner };

const viewer = (summary: string) => ({ role: "viewer" as const, tag: "escalation", summary });
const admin = (summary: string, accepts?: readonly string[]) => ({
  role: "admin" as const,
  tag: "escalation",
  summary,
  ...(accepts ? { accepts } : {}),
});

/** The policy itself is checked by checkPolicy, which names the field at fault. */
const policyBody = z.record(z.string(), z.unknown());
const idParams = z.object({ id: z.string().regex(/^\d{1,15}$/, "an incident id") });

export function escalationRoutes(app: ApiApp, escalation: EscalationService): void {
  const by = (p: { name: string; user?: { name: string } } | undefined) =>
    p?.user?.name ?? p?.name ?? "anonymous";

  app.get("/api/v1/escalation-policies", route(viewer("List escalation policies")), async () => ({
    policies: escalation.policies.list(),
  }));

  app.get(
    "/api/v1/escalation-policies/:name",
    route(viewer("An escalation policy"), { params: nameParams }),
    async ({ params }) => escalation.policies.get(params.name),
  );

  app.put(
    "/api/v1/escalation-policies/:name",
    route(
      admin(
        "Create or replace an escalation policy (levels, targets, timeouts, repeat, matching)",
        JSON_TYPES,
      ),
      {
        params: nameParams,
        body: policyBody,
      },
    ),
    async ({ params, body, principal }, reply) => {
      const saved = escalation.policies.put(params.name, body, by(principal));
      reply.code(saved.created ? 201 : 200);
      return saved.policy;
    },
  );

  app.delete(
    "/api/v1/escalation-policies/:name",
    route(admin("Remove an escalation policy (chains already running keep their levels)"), {
      params: nameParams,
    }),
    async ({ params }) => {
      escalation.policies.remove(params.name);
      return { removed: params.name };
    },
  );

  app.get(
    "/api/v1/incidents/:id/escalation",
    route(viewer("Where an incident's escalation stands: policy, level, repeat, next step due"), {
      params: idParams,
    }),
    async ({ params }) => {
      const state = escalation.runner.state(Number(params.id));
      if (state === undefined) {
        throw IncidentErrors.notFound(`incident ${params.id} has no escalation`);
      }
      const { notification: _template, ...rest } = state;
      return rest;
    },
  );
}
