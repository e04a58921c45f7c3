// Incidents on the Alerts page (docs/incidents.md): the list (status filter, priority, root cause,
// age, assignee) kept current by the live stream's incident changes, never by polling; one
// incident's detail (root cause and reasoning, its alerts, the timeline with delivery receipts) with
// acknowledge / resolve / snooze / reassign / note and a silence pre-filled from its alerts for
// operators; and who is on call now per schedule. The server refuses every change to a viewer
// whatever the page shows; the page hides the buttons so a viewer is not offered them.
import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { ApiError } from "../../api/client.js";
import { useLiveEvent } from "../../api/live.js";
import type { IncidentDetail, IncidentSummary, OnCallAllResponse, TimelineEntry } from "../../api/types.js";
import { Link } from "../../app/router.js";
import {
  act,
  age,
  asIncidentEvent,
  fetchAssignees,
  fetchIncident,
  fetchIncidents,
  fetchOnCall,
  fetchShifts,
  HANDOFF_HORIZON_MS,
  HANDOFF_SCHEDULES_MAX,
  LIST_LIMIT,
  nextHandoff,
  silenceLabels,
  STATUS_FILTERS,
  type IncidentAction,
  type StatusFilter,
} from "./incidents-api.js";
import { SilenceForm } from "./SilenceForm.js";

const COALESCE_MS = 250;
const AGE_TICK_MS = 15_000;

function message(err: unknown): string {
  return err instanceof ApiError ? `${err.status} ${err.errorType}: ${err.message}` : String(err);
}

export const incidentPath = (id: number) => `/alerts?incident=${id}`;

/** Reloads on the live stream's incident changes (those `wanted` keeps) and on a resync, coalesced. */
function useIncidentReload(reload: () => void, wanted: (id: number) => boolean): void {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const latest = useRef({ reload, wanted });
  latest.current = { reload, wanted };
  const schedule = useCallback(() => {
    timer.current ??= setTimeout(() => {
      timer.current = undefined;
      latest.current.reload();
    }, COALESCE_MS);
  }, []);
  useEffect(() => () => clearTimeout(timer.current), []);
  useLiveEvent("alert", (data) => {
    const e = asIncidentEvent(data);
    if (e && latest.current.wanted(e.id)) {
      schedule();
    }
  });
  useLiveEvent("resync", schedule);
}

/** Re-renders every `ms` so ages stay true between changes (a clock, not a request). */
function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

function StatusBadge({ status, snoozedUntil }: { status: string; snoozedUntil?: number | undefined }) {
  const snoozed = snoozedUntil !== undefined && status === "acknowledged";
  return (
    <span className={`state incident-${status}`} data-status={status}>
      {status}
      {snoozed ? ` (snoozed until ${new Date(snoozedUntil).toLocaleTimeString()})` : ""}
    </span>
  );
}

export function IncidentList() {
  const [status, setStatus] = useState<StatusFilter>("open");
  const [incidents, setIncidents] = useState<IncidentSummary[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const generation = useRef(0);
  const now = useNow(AGE_TICK_MS);

  const reload = useCallback(() => {
    const gen = ++generation.current;
    fetchIncidents(status).then(
      (list) => {
        if (gen === generation.current) {
          setIncidents(list);
          setError(undefined);
        }
      },
      (err: unknown) => gen === generation.current && setError(message(err)),
    );
  }, [status]);
  useEffect(reload, [reload]);
  useIncidentReload(reload, () => true);

  return (
    <section className="panel" aria-labelledby="incidents-title">
      <div className="incidents-head">
        <h2 id="incidents-title">Incidents</h2>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value as StatusFilter)}>
            {STATUS_FILTERS.map((s) => (
              <option key={s} value={s}>
                {s === "" ? "any" : s === "open" ? "open (triggered or acknowledged)" : s}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error !== undefined && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {incidents === undefined ? (
        <p className="muted">Loading…</p>
      ) : incidents.length === 0 ? (
        <p className="muted">No {status === "" ? "" : `${status} `}incidents.</p>
      ) : (
        <>
          {incidents.length >= LIST_LIMIT && (
            <p className="muted">The newest {LIST_LIMIT} are shown; filter by status to see others.</p>
          )}
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Incidents">
            <table className="result-table incident-table">
              <thead>
                <tr>
                  <th scope="col">Incident</th>
                  <th scope="col">Status</th>
                  <th scope="col">Priority</th>
                  <th scope="col">Root cause</th>
                  <th scope="col">Age</th>
                  <th scope="col">Assignee</th>
                  <th scope="col" className="num">
                    Alerts firing
                  </th>
                </tr>
              </thead>
              <tbody>
                {incidents.map((i) => (
                  <tr key={i.id} data-incident={i.id}>
                    <td>
                      <Link to={incidentPath(i.id)}>
                        #{i.id} {i.title}
                      </Link>
                    </td>
                    <td>
                      <StatusBadge status={i.status} snoozedUntil={i.snoozedUntil} />
                    </td>
                    <td>
                      <span className={`priority priority-${i.priority}`}>{i.priority}</span>
                    </td>
                    <td className="root-cause">{i.rootCause?.service ?? <span className="muted">—</span>}</td>
                    <td>
                      <time
                        dateTime={new Date(i.createdAt).toISOString()}
                        title={new Date(i.createdAt).toLocaleString()}
                      >
                        {age(i.createdAt, now)}
                      </time>
                    </td>
                    <td>{i.assignee ?? <span className="muted">unassigned</span>}</td>
                    <td className="num">
                      {i.firingCount}/{i.alertCount}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

export function IncidentView({ id, operator, author }: { id: number; operator: boolean; author: string }) {
  const [detail, setDetail] = useState<IncidentDetail | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [silencing, setSilencing] = useState(false);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const generation = useRef(0);

  const reload = useCallback(() => {
    const gen = ++generation.current;
    fetchIncident(id).then(
      (d) => {
        if (gen === generation.current) {
          setDetail(d);
          setError(undefined);
        }
      },
      (err: unknown) => gen === generation.current && setError(message(err)),
    );
  }, [id]);
  useEffect(reload, [reload]);
  useIncidentReload(reload, (changed) => changed === id);

  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [id]);

  return (
    <div className="incident-page">
      <p>
        <Link to="/alerts">← All alerts and incidents</Link>
      </p>
      <h1 ref={heading} tabIndex={-1}>
        {detail ? `Incident #${detail.id}: ${detail.title}` : `Incident #${id}`}
      </h1>
      {error !== undefined && (
        <p className="panel error" role="alert">
          {error}
        </p>
      )}
      {notice !== undefined && (
        <p className="panel notice" role="status">
          {notice}
        </p>
      )}
      {detail === undefined ? (
        error === undefined && <p className="muted">Loading…</p>
      ) : (
        <>
          <IncidentFacts detail={detail} />
          {operator && (
            <IncidentActions
              detail={detail}
              onChanged={(d, what) => {
                setDetail(d);
                setNotice(what);
              }}
              onSilence={() => {
                setNotice(undefined);
                setSilencing(true);
              }}
            />
          )}
          {operator && silencing && (
            <SilenceForm
              labels={silenceLabels(detail)}
              author={author}
              onCreated={(sid) => {
                setSilencing(false);
                setNotice(`Silence ${sid} created.`);
              }}
              onCancel={() => setSilencing(false)}
            />
          )}
          <RootCause detail={detail} />
          <IncidentAlerts detail={detail} />
          <Timeline entries={detail.timeline} />
        </>
      )}
    </div>
  );
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function IncidentFacts({ detail: d }: { detail: IncidentDetail }) {
  const at = (ms: number | undefined) =>
    ms === undefined ? undefined : (
      <time dateTime={new Date(ms).toISOString()}>{new Date(ms).toLocaleString()}</time>
    );
  return (
    <section className="panel" aria-label="Incident summary">
      <dl className="incident-facts">
        <Fact term="Status">
          <StatusBadge status={d.status} snoozedUntil={d.snoozedUntil} />
        </Fact>
        <Fact term="Priority">
          <span className={`priority priority-${d.priority}`}>{d.priority}</span>
        </Fact>
        <Fact term="Severity">{d.severity}</Fact>
        <Fact term="Assignee">{d.assignee ?? "unassigned"}</Fact>
        <Fact term="Opened">{at(d.createdAt)}</Fact>
        {d.acknowledgedAt !== undefined && (
          <Fact term="Acknowledged">
            {at(d.acknowledgedAt)} by <span className="ack-by">{d.acknowledgedBy ?? "?"}</span>
          </Fact>
        )}
        {d.resolvedAt !== undefined && (
          <Fact term="Resolved">
            {at(d.resolvedAt)} by {d.resolvedBy ?? "?"}
          </Fact>
        )}
        <Fact term="Alerts firing">
          {d.firingCount} of {d.alertCount}
        </Fact>
      </dl>
    </section>
  );
}

const SNOOZE_CHOICES = ["15m", "30m", "1h", "2h", "4h", "8h", "24h"];

function IncidentActions({
  detail,
  onChanged,
  onSilence,
}: {
  detail: IncidentDetail;
  onChanged: (d: IncidentDetail, what: string) => void;
  onSilence: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [snoozeFor, setSnoozeFor] = useState("30m");
  const [assignee, setAssignee] = useState(detail.assignee ?? "");
  // A reassignment made elsewhere (arriving over the stream) replaces what the field showed.
  useEffect(() => setAssignee(detail.assignee ?? ""), [detail.assignee]);
  const [assignees, setAssignees] = useState<string[]>([]);
  const [note, setNote] = useState("");
  useEffect(() => {
    const ctl = new AbortController();
    // The picker's suggestions; the field takes any name if they cannot be read.
    fetchAssignees(ctl.signal).then(setAssignees, () => undefined);
    return () => ctl.abort();
  }, []);

  const open = detail.status !== "resolved";
  const run = (a: IncidentAction, what: string, after?: () => void) => {
    setBusy(true);
    setError(undefined);
    act(detail.id, a).then(
      (d) => {
        setBusy(false);
        after?.();
        onChanged(d, what);
      },
      (err: unknown) => {
        setBusy(false);
        setError(message(err));
      },
    );
  };
  const submit =
    (a: () => IncidentAction | undefined, what: string, after?: () => void) => (e: FormEvent) => {
      e.preventDefault();
      const action = a();
      if (action) {
        run(action, what, after);
      }
    };
  const datalist = `assignees-${detail.id}`;

  return (
    <section className="panel incident-actions" aria-labelledby="incident-actions-title">
      <h2 id="incident-actions-title">Actions</h2>
      {error !== undefined && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <div className="action-row">
        {(detail.status === "triggered" || detail.snoozedUntil !== undefined) && open && (
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={() => run({ kind: "acknowledge" }, "Acknowledged.")}
          >
            Acknowledge
          </button>
        )}
        {open && (
          <button type="button" disabled={busy} onClick={() => run({ kind: "resolve" }, "Resolved.")}>
            Resolve
          </button>
        )}
        <button type="button" disabled={busy} onClick={onSilence}>
          Silence its alerts…
        </button>
      </div>
      {open && (
        <form
          className="action-row"
          onSubmit={submit(() => ({ kind: "snooze", for: snoozeFor }), `Snoozed for ${snoozeFor}.`)}
        >
          <label>
            Snooze for
            <select value={snoozeFor} onChange={(e) => setSnoozeFor(e.target.value)}>
              {SNOOZE_CHOICES.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={busy}>
            Snooze
          </button>
        </form>
      )}
      {open && (
        <form
          className="action-row"
          onSubmit={submit(
            () => (assignee.trim() === "" ? undefined : { kind: "reassign", assignee: assignee.trim() }),
            `Reassigned to ${assignee.trim()}.`,
          )}
        >
          <label>
            Assign to
            <input
              value={assignee}
              list={datalist}
              onChange={(e) => setAssignee(e.target.value)}
              placeholder="a user, team or schedule"
              maxLength={100}
            />
          </label>
          <datalist id={datalist}>
            {assignees.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
          <button type="submit" disabled={busy || assignee.trim() === ""}>
            Reassign
          </button>
        </form>
      )}
      <form
        className="action-row note-form"
        onSubmit={submit(
          () => (note.trim() === "" ? undefined : { kind: "note", text: note.trim() }),
          "Note added.",
          () => setNote(""),
        )}
      >
        <label className="grow">
          Note
          <textarea value={note} onChange={(e) => setNote(e.target.value)} rows={2} maxLength={4000} />
        </label>
        <button type="submit" disabled={busy || note.trim() === ""}>
          Add note
        </button>
      </form>
      {/* P10 item 7 (ISA-18.2 alarm management) adds "Shelve" for the incident's alarms here. */}
      <p className="muted p10-item7">Shelving alarms comes with P10 item 7 (industrial alarm management).</p>
    </section>
  );
}

function RootCause({ detail }: { detail: IncidentDetail }) {
  const rc = detail.rootCause;
  return (
    <section className="panel" aria-labelledby="root-cause-title">
      <h2 id="root-cause-title">Probable root cause</h2>
      {rc === undefined ? (
        <p className="muted">
          None named: no alert of this incident is about a single service upstream of the others.
        </p>
      ) : (
        <>
          <p className="root-cause-name">
            <strong>{rc.service}</strong> <span className="muted">({rc.alertname})</span>
          </p>
          <p className="root-cause-reason">{rc.reason}</p>
        </>
      )}
    </section>
  );
}

function IncidentAlerts({ detail }: { detail: IncidentDetail }) {
  const order = { root: 0, child: 1, member: 2 } as const;
  const alerts = [...detail.alerts].sort((a, b) => order[a.role] - order[b.role] || a.startsAt - b.startsAt);
  return (
    <section className="panel" aria-labelledby="incident-alerts-title">
      <h2 id="incident-alerts-title">Alerts ({alerts.length})</h2>
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Alerts of the incident">
        <table className="result-table">
          <thead>
            <tr>
              <th scope="col">Role</th>
              <th scope="col">Alert</th>
              <th scope="col">Status</th>
              <th scope="col">Labels</th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {alerts.map((a) => (
              <tr key={a.fingerprint} data-role={a.role}>
                <td>{a.role === "root" ? "root cause" : a.role === "child" ? "symptom" : "member"}</td>
                <td>
                  <strong>{a.labels.alertname ?? a.fingerprint}</strong>
                  {a.annotations.summary !== undefined && (
                    <div className="muted">{a.annotations.summary}</div>
                  )}
                </td>
                <td>{a.status}</td>
                <td>
                  <span className="label-list">
                    {Object.keys(a.labels)
                      .filter((k) => k !== "alertname")
                      .sort()
                      .map((k) => (
                        <code key={k} className="label">
                          {k}=&quot;{a.labels[k]}&quot;
                        </code>
                      ))}
                  </span>
                </td>
                <td>
                  <time dateTime={new Date(a.startsAt).toISOString()}>
                    {new Date(a.startsAt).toLocaleString()}
                  </time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Timeline({ entries }: { entries: TimelineEntry[] }) {
  return (
    <section className="panel" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      {entries.length === 0 ? (
        <p className="muted">Nothing yet.</p>
      ) : (
        <ol className="incident-timeline">
          {entries.map((e) => (
            <li key={e.id} data-kind={e.kind}>
              <time dateTime={new Date(e.at).toISOString()}>{new Date(e.at).toLocaleString()}</time>
              <span className={`timeline-kind kind-${e.kind.replace(/[^a-z0-9]+/gi, "-")}`}>{e.kind}</span>
              <span className="timeline-message">{e.message}</span>
              {e.actor !== undefined && !e.message.includes(e.actor) && (
                <span className="timeline-actor muted">by {e.actor}</span>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

type Handoff = { user: string; start: number };

/**
 * Who is on call now on every schedule, and who takes over next (within a week); refreshed when the
 * earliest shift ends and on a resync.
 */
export function OnCallPanel() {
  const [data, setData] = useState<OnCallAllResponse | undefined>(undefined);
  const [handoffs, setHandoffs] = useState<Record<string, Handoff>>({});
  const [error, setError] = useState<string | undefined>(undefined);
  const reload = useCallback(() => {
    fetchOnCall().then(
      (d) => {
        setData(d);
        setError(undefined);
        const to = d.at + HANDOFF_HORIZON_MS;
        // The next handoff is a nicety: a schedule whose shifts cannot be read just shows none.
        void Promise.all(
          d.oncall.slice(0, HANDOFF_SCHEDULES_MAX).map((o) =>
            fetchShifts(o.schedule, d.at, to).then(
              (r) => {
                const next = nextHandoff(r.shifts, o.person?.name, d.at);
                return next ? ([o.schedule, { user: next.user, start: next.start }] as const) : undefined;
              },
              () => undefined,
            ),
          ),
        ).then((found) => setHandoffs(Object.fromEntries(found.filter((f) => f !== undefined))));
      },
      (err: unknown) => setError(message(err)),
    );
  }, []);
  useEffect(reload, [reload]);
  useLiveEvent("resync", reload);
  // A handoff changes the answer at a known time: ask again then, not on a timer.
  const nextEnd = data?.oncall.reduce<number | undefined>(
    (min, o) => (o.shift && (min === undefined || o.shift.end < min) ? o.shift.end : min),
    undefined,
  );
  useEffect(() => {
    if (nextEnd === undefined) {
      return;
    }
    const wait = Math.min(Math.max(nextEnd - Date.now() + 1000, 1000), 2 ** 31 - 1);
    const t = setTimeout(reload, wait);
    return () => clearTimeout(t);
  }, [nextEnd, reload]);

  return (
    <section className="panel" aria-labelledby="oncall-title">
      <h2 id="oncall-title">On call now</h2>
      {error !== undefined && <p className="error-text">{error}</p>}
      {data === undefined ? (
        error === undefined && <p className="muted">Loading…</p>
      ) : data.oncall.length === 0 ? (
        <p className="muted">
          No on-call schedules (<code>lineops oncall schedule apply</code>, docs/oncall.md).
        </p>
      ) : (
        <ul className="oncall-list">
          {data.oncall.map((o) => (
            <li key={o.schedule} data-schedule={o.schedule}>
              <strong>{o.schedule}</strong>:{" "}
              {o.person ? (
                <>
                  <span className="oncall-person">{o.person.name}</span>
                  {o.shift && <span className="muted"> until {new Date(o.shift.end).toLocaleString()}</span>}
                  {o.person.contact.phone !== undefined && (
                    <>
                      {" "}
                      · <a href={`tel:${o.person.contact.phone}`}>{o.person.contact.phone}</a>
                    </>
                  )}
                  {o.person.contact.email !== undefined && (
                    <>
                      {" "}
                      · <a href={`mailto:${o.person.contact.email}`}>{o.person.contact.email}</a>
                    </>
                  )}
                </>
              ) : (
                <span className="muted">nobody</span>
              )}
              {handoffs[o.schedule] !== undefined && (
                <div className="oncall-next muted">
                  next: <span className="oncall-next-person">{handoffs[o.schedule]?.user}</span> from{" "}
                  {new Date(handoffs[o.schedule]?.start ?? 0).toLocaleString()}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
