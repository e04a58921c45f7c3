// What the live hub publishes, from where: deployments and instances from the event bus as they
// happen; alerts by comparing the alerting rules' and the dispatcher's alerts with what was last
// published, after every rule evaluation and on a slow resync (alerts posted by an external
// Prometheus and silences have no signal of their own).
import type { AlertView } from "../../alerting/index.js";
import type { EventBus } from "../../events/bus.js";
import type { ApiAlert } from "../../monitoring/index.js";
import { labelsKey } from "../../model/labels.js";
import type { LiveHub } from "./hub.js";

/** Subscribes the hub to the bus's deployment and instance events; returns the unsubscribe. */
export function publishBusEvents(bus: EventBus, hub: LiveHub): () => void {
  const offs = [
    bus.on("deployment.started", (e) => hub.publish("deployment", { kind: "started", ...e })),
    bus.on("deployment.finished", (e) => hub.publish("deployment", { kind: "finished", ...e })),
    // Steps, weights, analysis measurements and verdicts, decisions: everything a rollout records.
    bus.on("deployment.event", (e) => hub.publish("deployment", { ...e, kind: `event.${e.kind}` })),
    bus.on("line.applied", (e) => hub.publish("deployment", { kind: "line.applied", ...e })),
    bus.on("service.ready", (e) => hub.publish("instance", { type: "service.ready", ...e })),
    // Incidents ride the alert topic (source "incident"): pages showing alerts refresh on them too.
    bus.on("incident.changed", (e) => hub.publish("alert", { source: "incident", ...e })),
    bus.on("instance", (e) => {
      const i = e.instance;
      hub.publish("instance", {
        type: e.type,
        at: e.at,
        instance: {
          id: i.id,
          service: i.service,
          revision: i.revision,
          version: i.version,
          state: i.state,
          ...(i.station === undefined ? {} : { station: i.station }),
          ...(i.reason === undefined ? {} : { reason: i.reason }),
        },
      });
    }),
  ];
  return () => offs.forEach((off) => off());
}

/** Where alerts are read: lineops's rules (monitoring) and the dispatcher (alerting). */
export type AlertSources = {
  ruleAlerts?: () => ApiAlert[];
  dispatched?: () => AlertView[];
};

/**
 * Publishes the difference between the alerts now and the alerts last published: a rule alert that
 * became pending or firing or went inactive, a dispatched alert that appeared, changed state
 * (active, suppressed) or was resolved.
 */
export class AlertDiff {
  private rules = new Map<string, { state: string; labels: ApiAlert["labels"] }>();
  private dispatched = new Map<string, string>();

  constructor(
    private readonly sources: AlertSources,
    private readonly hub: LiveHub,
  ) {}

  /** Reads the current alerts without publishing: what a new stream's page already loads. */
  prime(): void {
    this.run(false);
  }

  check(): void {
    this.run(true);
  }

  private run(publish: boolean): void {
    if (this.sources.ruleAlerts) {
      const now = new Map<string, { state: string; labels: ApiAlert["labels"] }>();
      for (const a of this.sources.ruleAlerts()) {
        const key = labelsKey(a.labels);
        now.set(key, { state: a.state, labels: a.labels });
        if (publish && this.rules.get(key)?.state !== a.state) {
          this.hub.publish("alert", { source: "rule", ...a });
        }
      }
      for (const [key, { labels }] of this.rules) {
        if (publish && !now.has(key)) {
          this.hub.publish("alert", { source: "rule", state: "inactive", labels });
        }
      }
      this.rules = now;
    }
    if (this.sources.dispatched) {
      const now = new Map<string, string>();
      for (const a of this.sources.dispatched()) {
        const sig = `${a.status.state}|${a.endsAt}|${a.status.silencedBy.join(",")}|${a.status.inhibitedBy.join(",")}`;
        now.set(a.fingerprint, sig);
        if (publish && this.dispatched.get(a.fingerprint) !== sig) {
          this.hub.publish("alert", {
            source: "dispatcher",
            fingerprint: a.fingerprint,
            labels: a.labels,
            annotations: a.annotations,
            startsAt: new Date(a.startsAt).toISOString(),
            endsAt: new Date(a.endsAt).toISOString(),
            receivers: a.receivers,
            status: a.status,
          });
        }
      }
      for (const fp of this.dispatched.keys()) {
        if (publish && !now.has(fp)) {
          this.hub.publish("alert", { source: "dispatcher", fingerprint: fp, status: { state: "resolved" } });
        }
      }
      this.dispatched = now;
    }
  }
}
