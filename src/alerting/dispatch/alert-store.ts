// The alerts the dispatcher works from, with Alertmanager's rules: what the v2 API fills in for an
// alert that leaves out its times (api/v2 postAlertsHandler), what makes an alert invalid
// (types.Alert.Validate), and how a re-sent alert merges with the one held (provider/mem Put and
// types.Alert.Merge). Unlike Alertmanager, which holds alerts in memory only, every accepted alert
// is written to SQLite before receive() returns and read back at start.
import type { Clock } from "../../clock.js";
import { defineError } from "../../errors.js";
import type { Labels } from "../../model/labels.js";
import type { AlertRecord, AlertRepository } from "../../store/alerts.js";
import { fingerprint } from "../fingerprint.js";
import type { IncomingAlert } from "../types.js";

export const AlertStoreErrors = {
  /** 400, as Alertmanager answers a POST with an invalid alert. */
  invalid: defineError("LINEOPS_ERR_ALERTING_ALERT_INVALID", 400, "bad_data"),
} as const;

/** An alert held by the store: its record, frozen (groups compare by identity to see changes). */
export type HeldAlert = Readonly<AlertRecord> & { readonly labels: Labels; readonly annotations: Labels };

/** Resolved once endsAt has come (Alertmanager's Alert.ResolvedAt). */
export function isResolved(a: { endsAt: number }, at: number): boolean {
  return a.endsAt <= at;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Alertmanager's checks of one alert after the API filled in its times, each problem named by its
 * field (`labels`, `annotations`, `startsAt`, `endsAt`). Label names are UTF-8 (Alertmanager's
 * default mode) and must not be empty; values must be valid UTF-8 strings. lineops also requires
 * `alertname`, which every Prometheus-generated alert has and the issue asks for.
 */
function problemsOf(a: IncomingAlert): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const checkSet = (field: "labels" | "annotations", set: unknown) => {
    if (set === undefined && field === "annotations") {
      return;
    }
    if (typeof set !== "object" || set === null || Array.isArray(set)) {
      problems.push({ field, message: "must be an object of strings" });
      return;
    }
    for (const [name, value] of Object.entries(set)) {
      if (name === "" || LONE_SURROGATE.test(name)) {
        problems.push({ field, message: `invalid name ${JSON.stringify(name)}` });
      } else if (typeof value !== "string" || LONE_SURROGATE.test(value)) {
        problems.push({ field, message: `invalid value of ${JSON.stringify(name)}` });
      }
    }
  };
  checkSet("labels", a.labels);
  if (problems.length === 0) {
    if (Object.keys(a.labels).length === 0) {
      problems.push({ field: "labels", message: "at least one label pair required" });
    } else if (!a.labels.alertname) {
      problems.push({ field: "labels", message: "alertname missing" });
    }
  }
  checkSet("annotations", a.annotations);
  for (const field of ["startsAt", "endsAt"] as const) {
    const v = a[field];
    if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v))) {
      problems.push({ field, message: "must be a time" });
    }
  }
  if (a.generatorURL !== undefined && typeof a.generatorURL !== "string") {
    problems.push({ field: "generatorURL", message: "must be a string" });
  }
  return problems;
}

/**
 * The records for a batch of incoming alerts, times filled in as Alertmanager's v2 API does: no
 * startsAt -> endsAt if given, else now; no endsAt -> now + resolve_timeout (marked `timeout`);
 * updatedAt now. Throws AlertStoreErrors.invalid naming every bad alert's index and field
 * (`alerts[2].labels: alertname missing`) before taking any.
 */
export function prepareAlerts(
  incoming: readonly IncomingAlert[],
  now: number,
  resolveTimeoutMs: number,
): AlertRecord[] {
  if (!Array.isArray(incoming)) {
    throw AlertStoreErrors.invalid("alerts: must be a list of alerts");
  }
  const errors: string[] = [];
  const records: AlertRecord[] = [];
  incoming.forEach((a, i) => {
    if (typeof a !== "object" || a === null) {
      errors.push(`alerts[${i}]: must be an alert object`);
      return;
    }
    const problems = problemsOf(a);
    const startsAt = a.startsAt ?? a.endsAt ?? now;
    const timeout = a.endsAt === undefined;
    const endsAt = a.endsAt ?? now + resolveTimeoutMs;
    if (problems.length === 0 && endsAt < startsAt) {
      problems.push({ field: "endsAt", message: "start time must be before end time" });
    }
    if (problems.length > 0) {
      errors.push(...problems.map((p) => `alerts[${i}].${p.field}: ${p.message}`));
      return;
    }
    const labels = { ...a.labels };
    records.push({
      fingerprint: fingerprint(labels),
      labels,
      annotations: { ...(a.annotations ?? {}) },
      startsAt,
      endsAt,
      updatedAt: now,
      generatorURL: a.generatorURL ?? "",
      timeout,
    });
  });
  if (errors.length > 0) {
    throw AlertStoreErrors.invalid(errors.join("; "));
  }
  return records;
}

/**
 * Alertmanager's Alert.Merge of a held alert `a` and a newer `o` (the one updated later wins for
 * labels, annotations and updatedAt): the earliest start; for a resolved result the latest explicit
 * end of two resolved alerts; for a firing one the held end if later and not a resolve_timeout
 * default. `now` decides what is resolved.
 */
export function mergeAlerts(a: AlertRecord, o: AlertRecord, now: number): AlertRecord {
  if (o.updatedAt < a.updatedAt) {
    return mergeAlerts(o, a, now);
  }
  const res = { ...o };
  if (a.startsAt < o.startsAt) {
    res.startsAt = a.startsAt;
  }
  if (isResolved(o, now)) {
    if (isResolved(a, now) && a.endsAt > o.endsAt) {
      res.endsAt = a.endsAt;
    }
  } else if (a.endsAt > o.endsAt && !a.timeout) {
    res.endsAt = a.endsAt;
  }
  return res;
}

export type AlertStoreLogger = { warn(obj: object, msg?: string): void };

export class AlertStore {
  private readonly alerts = new Map<string, HeldAlert>();
  /** Bumped on every change, so derived views (the inhibitor's index) know when to rebuild. */
  private version = 0;

  /** Loads every stored alert; a row that cannot be read is logged and left in the database. */
  constructor(
    private readonly repo: AlertRepository,
    private readonly clock: Clock,
    logger?: AlertStoreLogger,
  ) {
    const { records, unreadable } = repo.all();
    for (const u of unreadable) {
      logger?.warn(u, `stored alert ${u.fingerprint} cannot be read and is ignored: ${u.reason}`);
    }
    for (const r of records) {
      this.alerts.set(r.fingerprint, freeze(r));
    }
  }

  /**
   * Takes prepared records: each merges with the held alert of its fingerprint when their active
   * ranges overlap (Alertmanager's provider/mem Put), else replaces it. All are written to SQLite
   * in one transaction before any is held. Returns the alerts as now held, in input order.
   */
  put(records: readonly AlertRecord[]): HeldAlert[] {
    const now = this.clock.now();
    const merged = new Map<string, AlertRecord>();
    for (const r of records) {
      const old = merged.get(r.fingerprint) ?? this.alerts.get(r.fingerprint);
      const overlaps =
        old !== undefined &&
        ((r.endsAt > old.startsAt && r.endsAt < old.endsAt) ||
          (r.startsAt > old.startsAt && r.startsAt < old.endsAt));
      merged.set(r.fingerprint, old !== undefined && overlaps ? mergeAlerts(old, r, now) : r);
    }
    this.repo.save([...merged.values()]);
    for (const [fp, r] of merged) {
      this.alerts.set(fp, freeze(r));
    }
    this.version++;
    return records.map((r) => this.alerts.get(r.fingerprint) as HeldAlert);
  }

  get(fp: string): HeldAlert | undefined {
    return this.alerts.get(fp);
  }

  all(): HeldAlert[] {
    return [...this.alerts.values()];
  }

  get size(): number {
    return this.alerts.size;
  }

  get changes(): number {
    return this.version;
  }

  /**
   * Removes resolved alerts that `stillNeeded` does not claim (an aggregation group whose resolve
   * is not sent yet), from SQLite first; returns how many. Alertmanager's GC drops every resolved
   * alert because its groups hold copies; here the stored row is what a restart resends from.
   */
  gc(stillNeeded: (fp: string) => boolean): number {
    const now = this.clock.now();
    const gone = this.all()
      .filter((a) => isResolved(a, now) && !stillNeeded(a.fingerprint))
      .map((a) => a.fingerprint);
    if (gone.length === 0) {
      return 0;
    }
    this.repo.delete(gone);
    for (const fp of gone) {
      this.alerts.delete(fp);
    }
    this.version++;
    return gone.length;
  }
}

function freeze(r: AlertRecord): HeldAlert {
  return Object.freeze({
    ...r,
    labels: Object.freeze({ ...r.labels }),
    annotations: Object.freeze({ ...r.annotations }),
  });
}
