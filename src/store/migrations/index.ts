// Numbered schema migrations, applied in order at start inside one transaction each.
// Never edit a migration that has shipped: add the next number.

export type Migration = { version: number; name: string; sql: string };

export const migrations: Migration[] = [
  {
    version: 1,
    name: "init",
    sql: `
      CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
        hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        revoked_at INTEGER
      );
      CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        outcome TEXT NOT NULL,
        status INTEGER NOT NULL,
        detail TEXT
      );
      CREATE INDEX audit_at ON audit (at);
      CREATE TABLE services (
        name TEXT PRIMARY KEY,
        current_revision TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE revisions (
        service TEXT NOT NULL,
        hash TEXT NOT NULL,
        number INTEGER NOT NULL,
        version TEXT NOT NULL,
        spec TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (service, hash),
        UNIQUE (service, number)
      );
    `,
  },
  {
    version: 2,
    name: "deployments",
    sql: `
      CREATE TABLE deployments (
        id TEXT PRIMARY KEY,
        plan_id TEXT,
        service TEXT NOT NULL,
        from_revision TEXT,
        to_revision TEXT NOT NULL,
        strategy TEXT NOT NULL,
        phase TEXT NOT NULL,
        step INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL,
        reason TEXT,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        finished_at INTEGER
      );
      CREATE INDEX deployments_service ON deployments (service, created_at);
      CREATE TABLE deployment_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        deployment_id TEXT NOT NULL REFERENCES deployments (id),
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        message TEXT NOT NULL,
        data TEXT
      );
      CREATE INDEX deployment_events_deployment ON deployment_events (deployment_id, id);
    `,
  },
  {
    version: 3,
    name: "front_doors",
    // A service's front-door port, allocated once and kept so its address survives restarts and
    // upgrades. No foreign key to services: the port is assigned when the front door opens, which
    // may come before or outlive the service's revision rows; the runtime removes it with the service.
    sql: `
      CREATE TABLE front_doors (
        service TEXT PRIMARY KEY,
        port INTEGER NOT NULL UNIQUE CHECK (port BETWEEN 1 AND 65535),
        assigned_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: "alerting_silences_nflog",
    // Alertmanager keeps silences and its notification log in snapshot files written every 15
    // minutes, so a crash loses what changed since: here every change is a row written before it is
    // acknowledged. Matchers are stored as the API's JSON list (one silence is read and written
    // whole, never queried by matcher in SQL). Fingerprint lists of the log are JSON arrays too.
    sql: `
      CREATE TABLE silences (
        id TEXT PRIMARY KEY,
        matchers TEXT NOT NULL,
        starts_at INTEGER NOT NULL,
        ends_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        comment TEXT NOT NULL
      );
      CREATE INDEX silences_ends_at ON silences (ends_at);
      CREATE TABLE notification_log (
        receiver TEXT NOT NULL,
        group_key TEXT NOT NULL,
        sent_at INTEGER NOT NULL,
        firing TEXT NOT NULL,
        resolved TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (receiver, group_key)
      );
      CREATE INDEX notification_log_expires_at ON notification_log (expires_at);
    `,
  },
  {
    version: 5,
    name: "alert_state",
    // The active alerts of lineops's alerting rules (pending, firing, and resolved ones whose
    // resolve is still being sent), so a restart resumes them. rule_key names the rule (file, group,
    // name, labels); fingerprint is the alert's label set. Times are ms since the epoch.
    sql: `
      CREATE TABLE alert_state (
        rule_key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        labels TEXT NOT NULL,
        annotations TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('inactive', 'pending', 'firing')),
        active_at INTEGER NOT NULL,
        fired_at INTEGER,
        resolved_at INTEGER,
        last_sent_at INTEGER,
        keep_firing_since INTEGER,
        valid_until INTEGER,
        value TEXT NOT NULL, -- String(number): NaN and ±Inf survive (SQLite stores NaN as NULL)
        last_eval_at INTEGER NOT NULL,
        PRIMARY KEY (rule_key, fingerprint)
      );
    `,
  },
  {
    version: 6,
    name: "alerting_alerts",
    // The Alertmanager side's alert store: every alert received (POSTed or from lineops's own rules),
    // one row per fingerprint, written before receive() returns, so a restart (even SIGKILL) still
    // has the firing alerts and the resolves not yet sent. Alertmanager keeps alerts in memory only.
    // timeout = 1 when endsAt was filled in from resolve_timeout (Alertmanager's Alert.Timeout).
    sql: `
      CREATE TABLE alerts (
        fingerprint TEXT PRIMARY KEY,
        labels TEXT NOT NULL,
        annotations TEXT NOT NULL,
        starts_at INTEGER NOT NULL,
        ends_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        generator_url TEXT NOT NULL,
        timeout INTEGER NOT NULL CHECK (timeout IN (0, 1))
      );
      CREATE INDEX alerts_ends_at ON alerts (ends_at);
    `,
  },
  {
    version: 7,
    name: "users_sessions",
    // People who sign in to the web UI. Users are keyed by a stable id, not their name, so what P10
    // hangs on them (contact methods, on-call) goes in tables of its own that reference users (id)
    // ON DELETE CASCADE; a rename never breaks them. password_hash is argon2id's PHC string (salt and
    // parameters inside). Sessions store only a SHA-256 of the session id (a 256-bit random value:
    // a fast hash is enough, as for tokens); the CSRF token is derived from the id, never stored.
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
        password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        password_changed_at INTEGER NOT NULL
      );
      CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX sessions_user ON sessions (user_id);
      CREATE INDEX sessions_expires_at ON sessions (expires_at);
    `,
  },
  {
    version: 8,
    name: "dashboards",
    // User dashboards (the JSON of src/dashboard/dashboards/model.ts). version counts saves, so two
    // editors cannot overwrite each other unnoticed (a save names the version it started from).
    sql: `
      CREATE TABLE dashboards (
        uid TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        version INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        updated_by TEXT NOT NULL
      );
    `,
  },
  {
    version: 9,
    name: "notification_outbox",
    // P10's durable outbox: a notification is written here in the same transaction as the incident
    // change that caused it, so neither exists without the other, and a worker delivers it at least
    // once. key is the idempotency key sent with every attempt (enqueuing it again is a no-op);
    // next_attempt_at is stored, not derived, so a restart resumes each row's backoff where it was.
    // fallback_key links a row given up on to the row that carries it on the fallback channel.
    // Attempts and receipts are kept per key for the incident timeline.
    sql: `
      CREATE TABLE notification_outbox (
        key TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        incident_id TEXT,
        notification TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'fell_back')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_attempt_at INTEGER,
        last_error TEXT,
        fallback_of TEXT,
        fallback_key TEXT,
        created_at INTEGER NOT NULL,
        finished_at INTEGER
      );
      CREATE INDEX notification_outbox_due ON notification_outbox (state, next_attempt_at);
      CREATE INDEX notification_outbox_incident ON notification_outbox (incident_id);
      CREATE TABLE notification_attempts (
        key TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        channel TEXT NOT NULL,
        incident_id TEXT,
        started_at INTEGER NOT NULL,
        finished_at INTEGER NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed')),
        status INTEGER,
        error TEXT,
        PRIMARY KEY (key, attempt)
      );
      CREATE INDEX notification_attempts_incident ON notification_attempts (incident_id);
      CREATE TABLE notification_receipts (
        key TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        type TEXT NOT NULL,
        incident_id TEXT,
        detail TEXT NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE INDEX notification_receipts_incident ON notification_receipts (incident_id);
    `,
  },
  {
    version: 10,
    name: "report schedules and files",
    // Operations reports (src/dashboard/reports/): schedules, and the reports generated from them,
    // whose files live in <dataDir>/reports. last_due_at is the due time last generated, so a
    // restart generates a missed run once and never twice.
    sql: `
      CREATE TABLE report_schedules (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        spec TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        last_due_at INTEGER
      );
      CREATE TABLE report_files (
        id TEXT PRIMARY KEY,
        schedule_id TEXT,
        title TEXT NOT NULL,
        format TEXT NOT NULL,
        from_ms INTEGER NOT NULL,
        to_ms INTEGER NOT NULL,
        file TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX report_files_created_at ON report_files (created_at);
    `,
  },
  {
    version: 11,
    name: "incidents",
    // Incidents (P10): correlated alerts as one thing people acknowledge and resolve. Members are
    // the alerts it holds (by fingerprint, labels copied so the incident still reads after the alert
    // is garbage-collected); the timeline is append-only. incident_link_uses records each one-click
    // acknowledgement link used, so a link works once (its nonce is the key).
    sql: `
      CREATE TABLE incidents (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        title TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('triggered', 'acknowledged', 'resolved')),
        severity TEXT NOT NULL,
        priority TEXT NOT NULL,
        group_key TEXT NOT NULL,
        assignee TEXT,
        snoozed_until INTEGER,
        root_cause TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        acknowledged_at INTEGER,
        acknowledged_by TEXT,
        resolved_at INTEGER,
        resolved_by TEXT
      );
      CREATE INDEX incidents_status ON incidents (status);
      CREATE TABLE incident_alerts (
        incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        fingerprint TEXT NOT NULL,
        labels TEXT NOT NULL,
        annotations TEXT NOT NULL,
        starts_at INTEGER NOT NULL,
        ends_at INTEGER,
        joined_at INTEGER NOT NULL,
        PRIMARY KEY (incident_id, fingerprint)
      );
      CREATE INDEX incident_alerts_fingerprint ON incident_alerts (fingerprint);
      CREATE TABLE incident_timeline (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        actor TEXT,
        message TEXT NOT NULL,
        data TEXT
      );
      CREATE INDEX incident_timeline_incident ON incident_timeline (incident_id, id);
      CREATE TABLE incident_link_uses (
        nonce TEXT PRIMARY KEY,
        incident_id INTEGER NOT NULL,
        used_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 12,
    name: "oncall_people",
    // P10 people and on-call. Contact methods hang on users (id) like sessions, and go with them.
    // A token may belong to a user (user_id; NULL for service tokens), so what it does names a
    // person; it goes with its user. The audit trail records who acted unambiguously: the
    // principal's kind and id beside the display name, and the person (a user token's or a
    // session's user) by id and name; no foreign key there: the trail outlives the user.
    // Schedule layers are JSON (their participants as user ids: a user who takes part in one is
    // not removed); revision counts every change to a schedule or its overrides, so a compiled
    // schedule can be cached until the next change.
    sql: `
      CREATE TABLE user_contacts (
        user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        email TEXT,
        phone TEXT,
        chat TEXT,
        andon_line TEXT,
        andon_station TEXT,
        timezone TEXT,
        updated_at INTEGER NOT NULL
      );
      ALTER TABLE tokens ADD COLUMN user_id TEXT REFERENCES users (id) ON DELETE CASCADE;
      CREATE INDEX tokens_user ON tokens (user_id);
      ALTER TABLE audit ADD COLUMN principal_kind TEXT;
      ALTER TABLE audit ADD COLUMN principal_id TEXT;
      ALTER TABLE audit ADD COLUMN user_id TEXT;
      ALTER TABLE audit ADD COLUMN user_name TEXT;
      CREATE TABLE teams (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE team_members (
        team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        PRIMARY KEY (team_id, user_id)
      );
      CREATE TABLE schedules (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        team_id TEXT REFERENCES teams (id) ON DELETE SET NULL,
        timezone TEXT NOT NULL,
        layers TEXT NOT NULL,
        revision INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        updated_by TEXT NOT NULL
      );
      CREATE TABLE schedule_overrides (
        id TEXT PRIMARY KEY,
        schedule_id TEXT NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        start_at INTEGER NOT NULL,
        end_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL
      );
      CREATE INDEX schedule_overrides_schedule ON schedule_overrides (schedule_id, start_at);
    `,
  },
  {
    version: 13,
    name: "alarm history, shelves and floods",
    // ISA-18.2 alarm management (src/alerting/alarms/): one row per activation of an alarm (an
    // alert with a priority) with its return to normal, bounded by retention; the shelves in force
    // (a restart keeps them and their expiry); and each flood per operator position, so the KPI
    // report can say what share of the time a position was in flood.
    sql: `
      CREATE TABLE alarm_activations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        fingerprint TEXT NOT NULL,
        alertname TEXT NOT NULL,
        position TEXT NOT NULL,
        priority TEXT NOT NULL,
        labels TEXT NOT NULL,
        activated_at INTEGER NOT NULL,
        ends_at INTEGER NOT NULL,
        returned_at INTEGER,
        annunciated INTEGER NOT NULL,
        chattering INTEGER NOT NULL
      );
      CREATE INDEX alarm_activations_at ON alarm_activations (activated_at);
      CREATE INDEX alarm_activations_open ON alarm_activations (fingerprint, returned_at);
      CREATE TABLE alarm_shelves (
        fingerprint TEXT PRIMARY KEY,
        labels TEXT NOT NULL,
        shelved_by TEXT NOT NULL,
        reason TEXT NOT NULL,
        shelved_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE TABLE alarm_floods (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        position TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        alarms INTEGER NOT NULL
      );
      CREATE INDEX alarm_floods_position ON alarm_floods (position, started_at);
    `,
  },
  {
    version: 14,
    name: "escalation",
    // P10 escalation. Policies are JSON specs by name (targets by name: a removed user simply
    // resolves to nobody). One escalation row per incident holds where its chain stands (cycle,
    // level, repeat, the next step's due time) so a restart recomputes timers from stored times;
    // the page notification is kept to build later levels' messages from.
    sql: `
      CREATE TABLE escalation_policies (
        name TEXT PRIMARY KEY,
        spec TEXT NOT NULL,
        revision INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        updated_by TEXT NOT NULL
      );
      CREATE TABLE escalations (
        incident_id INTEGER PRIMARY KEY,
        policy TEXT NOT NULL,
        levels TEXT NOT NULL,
        repeat_limit INTEGER NOT NULL,
        ack_timeout_ms INTEGER,
        state TEXT NOT NULL CHECK (state IN ('active', 'acknowledged', 'exhausted', 'resolved')),
        cycle INTEGER NOT NULL,
        level INTEGER NOT NULL,
        repeat INTEGER NOT NULL,
        next_at INTEGER,
        ack_timeout_at INTEGER,
        ack_timeout_armed INTEGER NOT NULL DEFAULT 0,
        notification TEXT NOT NULL,
        notified TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX escalations_due ON escalations (state, next_at);
    `,
  },
  {
    version: 15,
    name: "service replicas",
    // The instance count lives beside the current revision, out of its hash (as Kubernetes keeps
    // replicas out of the pod template hash): scaling creates no revision. `replicas` is the
    // count set by `lineops scale` or the autoscaler (NULL: follow line.yaml), `declared_replicas`
    // what line.yaml said at its last apply, so only a changed declaration overrides a scale.
    sql: `
      ALTER TABLE services ADD COLUMN replicas INTEGER;
      ALTER TABLE services ADD COLUMN declared_replicas INTEGER;
    `,
  },
];
