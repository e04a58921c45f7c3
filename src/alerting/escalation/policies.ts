// Escalation policies over the store: checked before they are written (an unknown user, schedule,
// team or receiver changes nothing), read by the runner at each trigger.
import type { EscalationPolicyRepository } from "../../store/escalation.js";
import {
  checkPolicy,
  EscalationErrors,
  policySpecSchema,
  type Policy,
  type TargetChecker,
} from "./policy.js";

export type SavedPolicy = Policy & { revision: number; updatedAt: number; updatedBy: string };

export class EscalationPolicies {
  constructor(
    private readonly repo: EscalationPolicyRepository,
    private readonly check: TargetChecker,
    private readonly now: () => number = Date.now,
  ) {}

  list(): SavedPolicy[] {
    return this.repo.list().flatMap((p) => {
      // A row written by a newer lineops that this one cannot read is left out rather than failing all.
      const spec = policySpecSchema.safeParse(p.spec);
      return spec.success
        ? [
            {
              ...spec.data,
              name: p.name,
              revision: p.revision,
              updatedAt: p.updatedAt,
              updatedBy: p.updatedBy,
            },
          ]
        : [];
    });
  }

  get(name: string): SavedPolicy {
    const p = this.list().find((x) => x.name === name);
    if (p === undefined) {
      throw EscalationErrors.notFound(`no escalation policy named ${JSON.stringify(name)}`);
    }
    return p;
  }

  /** Creates or replaces a policy; throws 400 naming the field or target at fault, storing nothing. */
  put(name: string, body: unknown, by: string): { policy: SavedPolicy; created: boolean } {
    const spec = checkPolicy(name, body, this.check);
    if (spec.default === true) {
      const other = this.list().find((p) => p.default === true && p.name !== name);
      if (other !== undefined) {
        throw EscalationErrors.invalid(
          `default: policy ${JSON.stringify(other.name)} is the default already (at most one)`,
        );
      }
    }
    // Stored as written (durations as given), so it reads back the way it was applied.
    const { created } = this.repo.put(name, body, this.now(), by);
    return { policy: this.get(name), created };
  }

  remove(name: string): void {
    if (!this.repo.remove(name)) {
      throw EscalationErrors.notFound(`no escalation policy named ${JSON.stringify(name)}`);
    }
  }
}
