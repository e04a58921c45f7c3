// The Alerts page: the pending and firing alerts of lineops's rules, the alert groups the
// dispatcher holds (with filters in the URL: matchers in Alertmanager's syntax, state, severity,
// receiver), and silences (list; create from an alert and expire, for operators) through
// Alertmanager's API v2; incidents (Incidents.tsx: the list, one incident at ?incident=ID with its
// actions, who is on call). Alert and incident changes arrive over the live stream. Shelving and the
// ISA-18.2 alarm KPIs come with P10 item 7: a panel says so, with no made-up data.
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { ApiError } from "../../api/client.js";
import { useLiveReload, useLiveStatus } from "../../api/live.js";
import type { Labels } from "../../api/prometheus.js";
import { navigate, useLocation } from "../../app/router.js";
import { hasRole, useSession } from "../../app/session.js";
import {
  expireSilence,
  fetchAlertingRules,
  fetchGroups,
  fetchReceivers,
  fetchRuleAlerts,
  fetchSilences,
  type AlertGroup,
  type RuleAlert,
  type RuleGroup,
  type Silence,
} from "./api.js";
import {
  keepRuleAlert,
  labelsKey,
  plan,
  readFilters,
  STATES,
  writeFilters,
  type DispatchState,
  type Filters,
} from "./filters.js";
import { IncidentList, IncidentView, OnCallPanel } from "./Incidents.js";
import { formatMatcher, fromApiMatcher } from "./matchers.js";
import { SilenceForm } from "./SilenceForm.js";

const SEVERITIES = ["critical", "warning", "info"];

type Data = {
  ruleAlerts?: RuleAlert[];
  rules?: RuleGroup[];
  groups?: AlertGroup[];
  receivers?: string[];
  silences?: Silence[];
  errors: Partial<Record<"ruleAlerts" | "rules" | "groups" | "receivers" | "silences", string>>;
};

function message(err: unknown): string {
  return err instanceof ApiError ? `${err.status} ${err.errorType}: ${err.message}` : String(err);
}

export default function Alerts() {
  const { search } = useLocation();
  const { role, state: session } = useSession();
  const incident = search.get("incident");
  if (incident !== null && /^[1-9][0-9]{0,12}$/.test(incident)) {
    return (
      <IncidentView
        id={Number(incident)}
        operator={hasRole(role, "operator")}
        author={session.kind === "signed-in" ? session.user.name : "dashboard"}
      />
    );
  }
  return <AlertsOverview />;
}

function AlertsOverview() {
  const { search } = useLocation();
  // useLocation gives a new URLSearchParams every render: key the filters on the text, so they (and
  // the reload that depends on them) change only when the URL does.
  const query = search.toString();
  const filters = useMemo(() => readFilters(new URLSearchParams(query)), [query]);
  const planned = useMemo(() => plan(filters), [filters]);
  const { role, state: session } = useSession();
  const operator = hasRole(role, "operator");
  const author = session.kind === "signed-in" ? session.user.name : "dashboard";
  const [data, setData] = useState<Data>({ errors: {} });
  const [draft, setDraft] = useState<Labels | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const generation = useRef(0);

  const reload = useCallback(() => {
    const gen = ++generation.current;
    const settle = <K extends keyof Omit<Data, "errors">>(key: K, p: Promise<Data[K]>) =>
      p.then(
        (v) =>
          gen === generation.current &&
          setData((d) => ({ ...d, [key]: v, errors: { ...d.errors, [key]: undefined } })),
        (err: unknown) =>
          gen === generation.current &&
          setData((d) => ({ ...d, errors: { ...d.errors, [key]: message(err) } })),
      );
    void settle("ruleAlerts", fetchRuleAlerts());
    void settle("rules", fetchAlertingRules());
    void settle("receivers", fetchReceivers());
    void settle("silences", fetchSilences());
    if ("error" in planned || planned.groups === undefined) {
      setData((d) => ({ ...d, groups: [], errors: { ...d.errors, groups: undefined } }));
    } else {
      void settle("groups", fetchGroups(planned.groups));
    }
  }, [planned]);

  useLiveReload(["alert"], reload);
  // New filters ask the API again (the live hook keeps the first reload function's identity).
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    reload();
  }, [reload]);

  const dispatched = useMemo(() => {
    const m = new Map<string, DispatchState & { receivers: string[] }>();
    for (const g of data.groups ?? []) {
      for (const a of g.alerts) {
        m.set(labelsKey(a.labels), {
          state: a.status.state,
          silencedBy: a.status.silencedBy,
          receivers: a.receivers.map((r) => r.name),
        });
      }
    }
    return m;
  }, [data.groups]);

  const matchersOk = !("error" in planned);
  const shownRuleAlerts = (data.ruleAlerts ?? []).filter(
    (a) => matchersOk && keepRuleAlert(a, dispatched.get(labelsKey(a.labels)), filters, planned.matchers),
  );

  const startSilence = (labels: Labels) => {
    setNotice(undefined);
    setDraft(labels);
  };

  const afterSilence = (id: string) => {
    setDraft(undefined);
    setNotice(`Silence ${id} created.`);
    reload();
  };

  return (
    <div className="alerts-page">
      <div className="page-title-row">
        <h1>Alerts &amp; incidents</h1>
        <LiveBadge />
      </div>
      <div className="incidents-row">
        <IncidentList />
        <OnCallPanel />
      </div>
      <FilterForm filters={filters} receivers={data.receivers ?? []} />
      {"error" in planned && (
        <p className="panel error" role="alert">
          Matchers: {planned.error}
        </p>
      )}
      {notice !== undefined && (
        <p className="panel notice" role="status">
          {notice}
        </p>
      )}
      {draft !== undefined && operator && (
        <SilenceForm
          labels={draft}
          author={author}
          onCreated={afterSilence}
          onCancel={() => setDraft(undefined)}
        />
      )}

      <section className="panel" aria-labelledby="rule-alerts-title">
        <h2 id="rule-alerts-title">Alerts of lineops&apos;s rules</h2>
        {data.errors.ruleAlerts !== undefined && <p className="error-text">{data.errors.ruleAlerts}</p>}
        {data.ruleAlerts === undefined ? (
          <p className="muted">Loading…</p>
        ) : shownRuleAlerts.length === 0 ? (
          <p className="muted">
            No {filters.state === "" ? "pending or firing" : filters.state} alerts
            {filters.matchers || filters.severity || filters.receiver ? " match the filters" : ""}.
          </p>
        ) : (
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Rule alerts">
            <table className="result-table alert-table">
              <thead>
                <tr>
                  <th scope="col">Alert</th>
                  <th scope="col">State</th>
                  <th scope="col">Severity</th>
                  <th scope="col">Labels</th>
                  <th scope="col">Active since</th>
                  <th scope="col" className="num">
                    Value
                  </th>
                  <th scope="col">Dispatch</th>
                  {operator && <th scope="col">Silence</th>}
                </tr>
              </thead>
              <tbody>
                {shownRuleAlerts.map((a) => {
                  const d = dispatched.get(labelsKey(a.labels));
                  return (
                    <tr key={labelsKey(a.labels)} data-alertname={a.labels.alertname}>
                      <td>
                        <strong>{a.labels.alertname}</strong>
                        {a.annotations.summary !== undefined && (
                          <div className="muted">{a.annotations.summary}</div>
                        )}
                      </td>
                      <td>
                        <span className={`state alert-${a.state}`}>{a.state}</span>
                      </td>
                      <td>{a.labels.severity ?? "—"}</td>
                      <td>
                        <LabelList labels={a.labels} skip={["alertname", "severity"]} />
                      </td>
                      <td>
                        <time dateTime={a.activeAt}>{new Date(a.activeAt).toLocaleString()}</time>
                      </td>
                      <td className="num mono">{formatValue(a.value)}</td>
                      <td className="dispatch-state">
                        {d === undefined
                          ? a.state === "pending"
                            ? "not sent (pending)"
                            : "—"
                          : d.state === "suppressed"
                            ? `suppressed${d.silencedBy.length > 0 ? " (silenced)" : " (inhibited)"}`
                            : `${d.state} → ${d.receivers.join(", ")}`}
                      </td>
                      {operator && (
                        <td>
                          <button
                            type="button"
                            onClick={() => startSilence(a.labels)}
                            aria-label={`Silence ${a.labels.alertname ?? "alert"}`}
                          >
                            Silence
                          </button>
                        </td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        <RulesSummary rules={data.rules} error={data.errors.rules} />
      </section>

      <section className="panel" aria-labelledby="groups-title">
        <h2 id="groups-title">Dispatched alert groups</h2>
        {data.errors.groups !== undefined && (
          <p className="error-text" role="alert">
            {data.errors.groups}
          </p>
        )}
        {filters.state === "pending" ? (
          <p className="muted">Pending alerts are not sent to the dispatcher until they fire.</p>
        ) : data.groups === undefined ? (
          <p className="muted">Loading…</p>
        ) : data.groups.length === 0 ? (
          <p className="muted">
            No alert groups
            {filters.matchers || filters.severity || filters.receiver || filters.state
              ? " match the filters"
              : ""}
            .
          </p>
        ) : (
          <ul className="alert-groups">
            {data.groups.map((g) => (
              <li key={`${g.receiver.name} ${labelsKey(g.labels)}`} className="alert-group">
                <h3>
                  <LabelList labels={g.labels} /> <span className="muted">→ {g.receiver.name}</span>
                </h3>
                <ul>
                  {g.alerts.map((a) => (
                    <li key={a.fingerprint} data-fingerprint={a.fingerprint} data-state={a.status.state}>
                      <span className={`state dispatch-${a.status.state}`}>{a.status.state}</span>{" "}
                      <LabelList labels={a.labels} />{" "}
                      <span className="muted">since {new Date(a.startsAt).toLocaleString()}</span>
                      {a.status.silencedBy.length > 0 && (
                        <span className="muted"> · silenced by {a.status.silencedBy.join(", ")}</span>
                      )}
                      {a.status.inhibitedBy.length > 0 && <span className="muted"> · inhibited</span>}
                      {operator && a.status.state === "active" && (
                        <button
                          type="button"
                          className="inline-button"
                          onClick={() => startSilence(a.labels)}
                          aria-label={`Silence ${a.labels.alertname ?? "alert"} ${a.fingerprint}`}
                        >
                          Silence
                        </button>
                      )}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        )}
      </section>

      <Silences
        silences={data.silences}
        error={data.errors.silences}
        expired={filters.expired}
        operator={operator}
        onChanged={reload}
      />

      <section className="panel p10-panel" aria-labelledby="p10-title">
        <h2 id="p10-title">Alarm shelving and ISA-18.2 KPIs</h2>
        <p className="badge">Comes with P10 item 7</p>
        <p>
          Shelving (timed, per operator, audited), chattering, standing and flood detection, and the ISA-18.2
          alarm KPIs (alarms per operator position per 10 minutes, hour and day, time in flood, top bad
          actors, MTTA and MTTR) come with P10 item 7 (industrial alarm management). Until then this page
          shows none; silence an alert or snooze an incident to quiet it.
        </p>
      </section>
    </div>
  );
}

/** Prometheus writes alert values as Go's %e ("4e+00"); a number reads better. */
function formatValue(v: string): string {
  const n = Number(v);
  return Number.isFinite(n) ? String(n) : v;
}

function LiveBadge() {
  const status = useLiveStatus();
  const text = status === "open" ? "Live" : status === "connecting" ? "Connecting…" : "Offline";
  return (
    <span className={`badge live-${status}`} role="status" title="Alert changes arrive over the live stream">
      {text}
    </span>
  );
}

function LabelList({ labels, skip = [] }: { labels: Labels; skip?: string[] }) {
  const keys = Object.keys(labels)
    .filter((k) => !skip.includes(k))
    .sort();
  if (keys.length === 0) {
    return <span className="muted">—</span>;
  }
  return (
    <span className="label-list">
      {keys.map((k) => (
        <code key={k} className="label">
          {k}=&quot;{labels[k]}&quot;
        </code>
      ))}
    </span>
  );
}

function FilterForm({ filters, receivers }: { filters: Filters; receivers: string[] }) {
  const [f, setF] = useState(filters);
  useEffect(() => setF(filters), [filters]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(writeFilters(f), { replace: true });
  };
  return (
    <form className="panel alert-filters" role="search" aria-label="Alert filters" onSubmit={submit}>
      <label className="grow">
        Matchers
        <input
          value={f.matchers}
          onChange={(e) => setF({ ...f, matchers: e.target.value })}
          placeholder='alertname="StationJammed", station=~"press-.*"'
          spellCheck={false}
          className="mono"
        />
      </label>
      <label>
        State
        <select value={f.state} onChange={(e) => setF({ ...f, state: e.target.value as Filters["state"] })}>
          {STATES.map((s) => (
            <option key={s} value={s}>
              {s === "" ? "any" : s}
            </option>
          ))}
        </select>
      </label>
      <AnySelect
        label="Severity"
        value={f.severity}
        choices={SEVERITIES}
        onChange={(severity) => setF({ ...f, severity })}
      />
      <AnySelect
        label="Receiver"
        value={f.receiver}
        choices={receivers}
        onChange={(receiver) => setF({ ...f, receiver })}
      />
      <div className="filter-buttons">
        <button type="submit" className="primary">
          Apply
        </button>
        <button type="button" onClick={() => navigate("/alerts", { replace: true })}>
          Clear
        </button>
      </div>
    </form>
  );
}

function RulesSummary({ rules, error }: { rules: RuleGroup[] | undefined; error: string | undefined }) {
  const all = (rules ?? []).flatMap((g) => g.rules.map((r) => ({ group: g.name, ...r })));
  return (
    <details className="alert-rules">
      <summary>
        Alerting rules ({all.length}
        {all.some((r) => r.health !== "ok" && r.health !== "unknown") ? ", some failing" : ""})
      </summary>
      {error !== undefined && <p className="error-text">{error}</p>}
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Alerting rules">
        <table className="result-table">
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">Group</th>
              <th scope="col">State</th>
              <th scope="col">Health</th>
              <th scope="col">For</th>
            </tr>
          </thead>
          <tbody>
            {all.map((r) => (
              <tr key={`${r.group}/${r.name}`}>
                <td title={r.query}>{r.name}</td>
                <td>{r.group}</td>
                <td>{r.state}</td>
                <td>
                  {r.health}
                  {r.lastError ? <span className="error-text"> {r.lastError}</span> : null}
                </td>
                <td>{r.duration}s</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

function Silences({
  silences,
  error,
  expired,
  operator,
  onChanged,
}: {
  silences: Silence[] | undefined;
  error: string | undefined;
  expired: boolean;
  operator: boolean;
  onChanged: () => void;
}) {
  const { search } = useLocation();
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const shown = (silences ?? []).filter((s) => expired || s.status.state !== "expired");
  const expire = (id: string) => {
    setFailure(undefined);
    expireSilence(id).then(onChanged, (err: unknown) => setFailure(`Expiring ${id}: ${message(err)}`));
  };
  const toggleExpired = (on: boolean) => {
    const next = new URLSearchParams(search);
    if (on) {
      next.set("expired", "1");
    } else {
      next.delete("expired");
    }
    const qs = next.toString();
    navigate(qs === "" ? "/alerts" : `/alerts?${qs}`, { replace: true });
  };
  return (
    <section className="panel" aria-labelledby="silences-title">
      <h2 id="silences-title">Silences</h2>
      <label className="inline-check">
        <input type="checkbox" checked={expired} onChange={(e) => toggleExpired(e.target.checked)} /> Show
        expired
      </label>
      {error !== undefined && <p className="error-text">{error}</p>}
      {failure !== undefined && (
        <p className="error-text" role="alert">
          {failure}
        </p>
      )}
      {silences === undefined ? (
        <p className="muted">Loading…</p>
      ) : shown.length === 0 ? (
        <p className="muted">No {expired ? "" : "active or pending "}silences.</p>
      ) : (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Silences">
          <table className="result-table silence-table">
            <thead>
              <tr>
                <th scope="col">State</th>
                <th scope="col">Matchers</th>
                <th scope="col">Starts</th>
                <th scope="col">Ends</th>
                <th scope="col">Created by</th>
                <th scope="col">Comment</th>
                {operator && <th scope="col">Expire</th>}
              </tr>
            </thead>
            <tbody>
              {shown.map((s) => (
                <tr key={s.id} data-silence={s.id}>
                  <td>{s.status.state}</td>
                  <td className="mono">
                    {s.matchers.map((m) => formatMatcher(fromApiMatcher(m))).join(", ")}
                  </td>
                  <td>
                    <time dateTime={s.startsAt}>{new Date(s.startsAt).toLocaleString()}</time>
                  </td>
                  <td>
                    <time dateTime={s.endsAt}>{new Date(s.endsAt).toLocaleString()}</time>
                  </td>
                  <td>{s.createdBy}</td>
                  <td>{s.comment}</td>
                  {operator && (
                    <td>
                      {s.status.state !== "expired" && (
                        <button
                          type="button"
                          onClick={() => expire(s.id)}
                          aria-label={`Expire silence ${s.id}`}
                        >
                          Expire
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** A filter select: "any" (""), the known choices, and the current value even when not among them (from the URL). */
function AnySelect({
  label,
  value,
  choices,
  onChange,
}: {
  label: string;
  value: string;
  choices: readonly string[];
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">any</option>
        {[...new Set([...choices, ...(value ? [value] : [])])].map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    </label>
  );
}
