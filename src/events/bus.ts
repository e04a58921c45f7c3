// The typed in-process event bus: engines publish what happened, others (API live views, alert
// correlation, dashboard annotations) subscribe. A failing subscriber never breaks the publisher.
import type { InstanceEvent } from "../runtime/types.js";

export type LineopsEvents = {
  instance: InstanceEvent;
  "line.applied": { services: { name: string; revision: string; created: boolean }[]; at: number };
  "service.ready": { service: string; revision: string; at: number };
  "deployment.started": { id: string; service: string; at: number };
  /** An autoscaler decision (infrastructure/autoscaler): inputs, recommendation, count applied, reason. */
  "autoscaler.decision": {
    service: string;
    at: number;
    currentReplicas: number;
    desiredReplicas: number;
    recommendation?: number;
    applied: boolean;
    reason: string;
    message: string;
  };
  "deployment.finished": { id: string; service: string; phase: string; at: number };
  /** Every step, traffic change, measurement, verdict and decision of a deployment, as stored. */
  "deployment.event": {
    id: string;
    service: string;
    kind: string;
    message: string;
    data?: unknown;
    at: number;
  };
  /** An incident opened, changed state, took alerts, was reassigned or noted (alerting/incidents). */
  "incident.changed": {
    id: number;
    change: string;
    status: "triggered" | "acknowledged" | "resolved";
    title: string;
    priority: string;
    rootCause?: string;
    actor?: string;
    at: number;
  };
  /**
   * Incident correlation asks for a deployment's rollback (an alert started within the window after
   * it); the deployment engine subscribes. alerting never imports the deployment engine.
   */
  "deployment.rollback.requested": {
    deploymentId: string;
    service: string;
    incidentId: number;
    reason: string;
    at: number;
  };
};

type Handler<T> = (payload: T) => void;

export class EventBus<E extends Record<string, unknown> = LineopsEvents> {
  private readonly handlers = new Map<keyof E, Set<Handler<never>>>();

  constructor(private readonly onError: (err: unknown, topic: string) => void = () => {}) {}

  on<K extends keyof E>(topic: K, handler: Handler<E[K]>): () => void {
    let set = this.handlers.get(topic);
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
    }
    set.add(handler as Handler<never>);
    return () => set.delete(handler as Handler<never>);
  }

  emit<K extends keyof E>(topic: K, payload: E[K]): void {
    for (const h of this.handlers.get(topic) ?? []) {
      try {
        (h as Handler<E[K]>)(payload);
      } catch (err) {
        this.onError(err, String(topic));
      }
    }
  }
}
