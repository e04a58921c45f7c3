// Injected-fault state shared by every service: which faults are active and until when. Services
// read it to decide how to misbehave; POST/DELETE /faults write it.
import { badRequest } from "./http-error.js";
import { asObject, optionalNonNegativeInt } from "./body.js";

export const FAULT_TYPES = ["jam", "plc-disconnect", "slow", "crash"] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

export type ActiveFault = { type: FaultType; since: number; until?: number };

export type FaultRequest = { type: FaultType; durationMs?: number };

export function parseFaultRequest(body: unknown): FaultRequest {
  const obj = asObject(body);
  const type = obj.type;
  if (typeof type !== "string" || !(FAULT_TYPES as readonly string[]).includes(type)) {
    throw badRequest(
      `unknown fault type ${JSON.stringify(type)}; expected one of ${FAULT_TYPES.join(", ")}`,
      {
        allowed: [...FAULT_TYPES],
      },
    );
  }
  const durationMs = optionalNonNegativeInt(obj, "durationMs");
  return durationMs === undefined ? { type: type as FaultType } : { type: type as FaultType, durationMs };
}

export class FaultState {
  private readonly active = new Map<FaultType, { fault: ActiveFault; timer?: NodeJS.Timeout }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Activates (or re-arms) a fault; with durationMs it clears itself, without it lasts until clear(). */
  inject(type: FaultType, durationMs?: number): ActiveFault {
    this.clear(type);
    const since = this.now();
    const fault: ActiveFault =
      durationMs === undefined ? { type, since } : { type, since, until: since + durationMs };
    let timer: NodeJS.Timeout | undefined;
    if (durationMs !== undefined) {
      timer = setTimeout(() => this.active.delete(type), durationMs);
      // An expiring fault must never be what keeps a draining process alive.
      timer.unref();
    }
    this.active.set(type, timer === undefined ? { fault } : { fault, timer });
    return fault;
  }

  /** Clears one fault type, or all of them. */
  clear(type?: FaultType): void {
    for (const [key, entry] of this.active) {
      if (type === undefined || key === type) {
        if (entry.timer !== undefined) {
          clearTimeout(entry.timer);
        }
        this.active.delete(key);
      }
    }
  }

  isActive(type: FaultType): boolean {
    return this.active.has(type);
  }

  list(): ActiveFault[] {
    return [...this.active.values()].map((e) => e.fault);
  }
}
