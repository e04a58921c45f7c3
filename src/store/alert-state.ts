// The active alerts of lineops's alerting rules (migration 4), so a restart, even after SIGKILL,
// resumes them: firing ones keep firing, pending ones keep their `for` progress, resolved ones still
// send their resolve. The rule manager writes one evaluation's changes in one transaction. The
// record shape is monitoring's StoredAlert (src/monitoring/rules/alert.ts), matched structurally so
// the store imports no engine.
import type { Db } from "./db.js";

type Labels = Readonly<Record<string, string>>;

export type AlertStateRecord = {
  ruleKey: string;
  fingerprint: string;
  labels: Labels;
  annotations: Labels;
  state: "inactive" | "pending" | "firing";
  activeAt: number;
  firedAt?: number;
  resolvedAt?: number;
  lastSentAt?: number;
  keepFiringSince?: number;
  validUntil?: number;
  value: number;
  lastEvalAt: number;
};

type Row = {
  rule_key: string;
  fingerprint: string;
  labels: string;
  annotations: string;
  state: AlertStateRecord["state"];
  active_at: number;
  fired_at: number | null;
  resolved_at: number | null;
  last_sent_at: number | null;
  keep_firing_since: number | null;
  valid_until: number | null;
  value: string;
  last_eval_at: number;
};

const optional = (v: number | null): number | undefined => (v === null ? undefined : v);

function toRecord(r: Row): AlertStateRecord {
  const out: AlertStateRecord = {
    ruleKey: r.rule_key,
    fingerprint: r.fingerprint,
    labels: JSON.parse(r.labels) as Labels,
    annotations: JSON.parse(r.annotations) as Labels,
    state: r.state,
    activeAt: r.active_at,
    value: Number(r.value),
    lastEvalAt: r.last_eval_at,
  };
  const times = {
    firedAt: optional(r.fired_at),
    resolvedAt: optional(r.resolved_at),
    lastSentAt: optional(r.last_sent_at),
    keepFiringSince: optional(r.keep_firing_since),
    validUntil: optional(r.valid_until),
  };
  for (const [k, v] of Object.entries(times)) {
    if (v !== undefined) {
      out[k as keyof typeof times] = v;
    }
  }
  return out;
}

export class AlertStateRepository {
  private readonly upsertStmt;
  private readonly removeStmt;

  constructor(private readonly db: Db) {
    this.upsertStmt = db.prepare(
      `INSERT INTO alert_state (rule_key, fingerprint, labels, annotations, state, active_at, fired_at,
         resolved_at, last_sent_at, keep_firing_since, valid_until, value, last_eval_at)
       VALUES (@rule_key, @fingerprint, @labels, @annotations, @state, @active_at, @fired_at,
         @resolved_at, @last_sent_at, @keep_firing_since, @valid_until, @value, @last_eval_at)
       ON CONFLICT (rule_key, fingerprint) DO UPDATE SET labels = excluded.labels,
         annotations = excluded.annotations, state = excluded.state, active_at = excluded.active_at,
         fired_at = excluded.fired_at, resolved_at = excluded.resolved_at,
         last_sent_at = excluded.last_sent_at, keep_firing_since = excluded.keep_firing_since,
         valid_until = excluded.valid_until, value = excluded.value, last_eval_at = excluded.last_eval_at`,
    );
    this.removeStmt = db.prepare("DELETE FROM alert_state WHERE rule_key = ? AND fingerprint = ?");
  }

  load(): AlertStateRecord[] {
    return (this.db.prepare("SELECT * FROM alert_state ORDER BY rule_key, fingerprint").all() as Row[]).map(
      toRecord,
    );
  }

  /** One evaluation's changes, atomically: a crash leaves the store before or after them, never between. */
  save(changes: {
    upsert: readonly AlertStateRecord[];
    remove: readonly { ruleKey: string; fingerprint: string }[];
  }): void {
    this.db.transaction(() => {
      for (const a of changes.upsert) {
        this.upsertStmt.run({
          rule_key: a.ruleKey,
          fingerprint: a.fingerprint,
          labels: JSON.stringify(a.labels),
          annotations: JSON.stringify(a.annotations),
          state: a.state,
          active_at: a.activeAt,
          fired_at: a.firedAt ?? null,
          resolved_at: a.resolvedAt ?? null,
          last_sent_at: a.lastSentAt ?? null,
          keep_firing_since: a.keepFiringSince ?? null,
          valid_until: a.validUntil ?? null,
          value: String(a.value),
          last_eval_at: a.lastEvalAt,
        });
      }
      for (const r of changes.remove) {
        this.removeStmt.run(r.ruleKey, r.fingerprint);
      }
    })();
  }

  /** Deletes the alerts of every rule not in `ruleKeys` (rules a reload removed). */
  retainRules(ruleKeys: readonly string[]): void {
    const keep = new Set(ruleKeys);
    const stored = this.db.prepare("SELECT DISTINCT rule_key FROM alert_state").all() as {
      rule_key: string;
    }[];
    const del = this.db.prepare("DELETE FROM alert_state WHERE rule_key = ?");
    this.db.transaction(() => {
      for (const { rule_key } of stored) {
        if (!keep.has(rule_key)) {
          del.run(rule_key);
        }
      }
    })();
  }
}
