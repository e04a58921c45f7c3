// One alerting rule with Prometheus's semantics (rules/alerting.go): each evaluation's vector turns
// into alerts keyed by their label set; pending -> firing after `for`, keep_firing_for, resolved
// alerts kept 15 minutes so their resolve is sent, and the ALERTS / ALERTS_FOR_STATE samples of the
// active ones. Pure state over explicit times: the group decides when to evaluate and what to write.
import { labelsKey, type Labels } from "../model.js";
import type { QueryValue } from "../query.js";
import {
  STATE_ORDER,
  type Alert,
  type AlertForDispatch,
  type AlertState,
  type ExpandTemplate,
} from "./alert.js";

/** How long a resolved alert is kept (and its resolve re-sent), as Prometheus's resolvedRetention. */
export const RESOLVED_RETENTION_MS = 15 * 60_000;

export type AlertingRuleConfig = {
  name: string;
  query: string;
  holdMs: number;
  keepFiringForMs: number;
  /** Rule labels (group labels merged under them); values are templates. */
  labels: Labels;
  annotations: Labels;
};

export type TemplateContext = {
  expand: ExpandTemplate;
  externalLabels: Labels;
  externalURL: string;
};

/** A sample the group writes for an alert (ALERTS or ALERTS_FOR_STATE). */
export type AlertSample = { labels: Labels; v: number };

export class AlertingRule {
  /** Active alerts (pending, firing, and resolved ones within retention) by labelsKey. */
  readonly active = new Map<string, Alert>();

  constructor(readonly config: AlertingRuleConfig) {}

  /** The highest state of the rule's alerts, as Prometheus's AlertingRule.State(). */
  state(): AlertState {
    let best: AlertState = "inactive";
    for (const a of this.active.values()) {
      if (STATE_ORDER[a.state] > STATE_ORDER[best]) {
        best = a.state;
      }
    }
    return best;
  }

  /** Alerts that are pending or firing (what /api/v1/alerts lists). */
  activeAlerts(): (Alert & { state: "pending" | "firing" })[] {
    return [...this.active.values()].filter(
      (a): a is Alert & { state: "pending" | "firing" } => a.state !== "inactive",
    );
  }

  /**
   * Applies one evaluation's result at `ts`. Returns the ALERTS and ALERTS_FOR_STATE samples of the
   * alerts still active. Throws (leaving state as Prometheus does) on duplicate label sets or an
   * exceeded `limit`.
   */
  async evaluate(
    result: QueryValue,
    ts: number,
    limit: number,
    templates: TemplateContext,
  ): Promise<AlertSample[]> {
    const { name, holdMs, keepFiringForMs } = this.config;
    const samples =
      result.type === "vector"
        ? result.samples
        : result.type === "scalar"
          ? [{ labels: {}, t: ts, v: result.v }]
          : [];
    const seen = new Map<string, Alert>();
    for (const s of samples) {
      const data = {
        labels: s.labels,
        value: s.v,
        externalLabels: templates.externalLabels,
        externalURL: templates.externalURL,
      };
      const expand = (text: string) =>
        templates
          .expand(text, `__alert_${name}`, data)
          .catch(
            (err: unknown) =>
              `<error expanding template: ${err instanceof Error ? err.message : String(err)}>`,
          );
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(s.labels)) {
        if (k !== "__name__") {
          labels[k] = v;
        }
      }
      for (const [k, v] of Object.entries(this.config.labels)) {
        labels[k] = await expand(v);
      }
      labels.alertname = name;
      // An empty value is no label, as in Prometheus's label builder.
      for (const k of Object.keys(labels)) {
        if (labels[k] === "") {
          delete labels[k];
        }
      }
      const annotations: Record<string, string> = {};
      for (const [k, v] of Object.entries(this.config.annotations)) {
        annotations[k] = await expand(v);
      }
      const key = labelsKey(labels);
      if (seen.has(key)) {
        throw new Error("vector contains metrics with the same labelset after applying alert labels");
      }
      seen.set(key, { labels, annotations, activeAt: ts, state: "pending", value: s.v });
    }

    for (const [key, fresh] of seen) {
      const known = this.active.get(key);
      if (known && known.state !== "inactive") {
        known.value = fresh.value;
        known.annotations = fresh.annotations;
      } else {
        this.active.set(key, fresh);
      }
    }

    const out: AlertSample[] = [];
    let activeCount = 0;
    for (const [key, a] of this.active) {
      if (!seen.has(key)) {
        let keepFiring = false;
        if (a.state === "firing" && keepFiringForMs > 0) {
          a.keepFiringSince ??= ts;
          keepFiring = ts - a.keepFiringSince < keepFiringForMs;
        }
        if (
          a.state === "pending" ||
          (a.resolvedAt !== undefined && ts - a.resolvedAt > RESOLVED_RETENTION_MS)
        ) {
          this.active.delete(key);
        }
        if (a.state !== "inactive" && !keepFiring) {
          a.state = "inactive";
          a.resolvedAt = ts;
        }
        if (!keepFiring) {
          continue;
        }
      } else {
        delete a.keepFiringSince;
      }
      activeCount++;
      if (a.state === "pending" && ts - a.activeAt >= holdMs) {
        a.state = "firing";
        a.firedAt = ts;
      }
      // `for` grew (a reload): a firing alert that has not been active that long is pending again.
      if (a.state === "firing" && ts - a.activeAt < holdMs) {
        a.state = "pending";
        delete a.firedAt;
        delete a.lastSentAt;
        delete a.keepFiringSince;
      }
      const base = { ...a.labels, alertname: name };
      out.push({ labels: { ...base, __name__: "ALERTS", alertstate: a.state }, v: 1 });
      out.push({ labels: { ...base, __name__: "ALERTS_FOR_STATE" }, v: Math.floor(a.activeAt / 1000) });
    }
    if (limit > 0 && activeCount > limit) {
      this.active.clear();
      throw new Error(`exceeded limit of ${limit} with ${activeCount} alerts`);
    }
    return out;
  }

  /**
   * The alerts to notify at `ts` (Prometheus's sendAlerts): firing ones first and then every
   * resendDelay, resolved ones once more on resolving and then every resendDelay until they are
   * dropped. Marks them sent.
   */
  alertsToSend(
    ts: number,
    resendDelayMs: number,
    intervalMs: number,
    generatorURL: string,
  ): AlertForDispatch[] {
    const out: AlertForDispatch[] = [];
    for (const a of this.active.values()) {
      if (!needsSending(a, ts, resendDelayMs)) {
        continue;
      }
      a.lastSentAt = ts;
      a.validUntil = ts + 4 * Math.max(intervalMs, resendDelayMs);
      out.push({
        labels: { ...a.labels },
        annotations: { ...a.annotations },
        startsAt: a.firedAt ?? a.activeAt,
        endsAt: a.resolvedAt ?? a.validUntil,
        generatorURL,
      });
    }
    return out;
  }
}

function needsSending(a: Alert, ts: number, resendDelayMs: number): boolean {
  if (a.state === "pending") {
    return false;
  }
  if (a.resolvedAt !== undefined && a.resolvedAt > (a.lastSentAt ?? -Infinity)) {
    return true;
  }
  return (a.lastSentAt ?? -Infinity) + resendDelayMs < ts;
}
