// One deployment, live: phase, steps with the running one marked, traffic per group, instances per
// revision, gates it waits for, analyses with their charts, the operator's controls and the event
// log. Pushed events of this deployment refresh it (hooks.ts); it never polls.
import { useMemo, useState } from "react";
import { ApiError } from "../../api/client.js";
import { RequireRole } from "../../app/session.js";
import * as D from "./api.js";
import { AnalysisPanel } from "./AnalysisPanel.js";
import { ConfirmButton } from "./Confirm.js";
import { useDeployment, useInstances, useRevisions } from "./hooks.js";
import { actionsFor, heldByOperator, humanDuration, revisionLabeller, stepsOf, trafficOf } from "./model.js";

const EVENTS_SHOWN = 200;

export function PhaseBadge({ phase, held }: { phase: D.Phase; held?: boolean }) {
  const text = held && !D.isTerminal(phase) ? `${phase}, held by an operator` : phase;
  return <span className={`phase phase-${phase.toLowerCase()}`}>{text}</span>;
}

export function DeploymentView({ id, slots }: { id: string; slots: number }) {
  const { data: d, error } = useDeployment(id);
  const revs = useRevisions(d?.service);
  const insts = useInstances(d !== undefined && !D.isTerminal(d.phase) ? d.service : undefined);
  const label = useMemo(() => revisionLabeller(revs.data ?? []), [revs.data]);

  if (d === undefined) {
    return error ? (
      <p className="error-text" role="alert">
        {error}
      </p>
    ) : (
      <p className="muted" role="status">
        Loading the deployment…
      </p>
    );
  }
  const held = heldByOperator(d.events);
  const steps = stepsOf(d, slots);
  const running = !D.isTerminal(d.phase);
  const current = steps.findIndex((s) => s.status === "current");
  const headingId = `deployment-${d.id}`;
  return (
    <section className="panel deployment" aria-labelledby={headingId} data-phase={d.phase}>
      <header className="deployment-head">
        <h2 id={headingId}>
          {d.service}: {label(d.fromRevision)} → {label(d.toRevision)}
        </h2>
        <PhaseBadge phase={d.phase} held={held} />
      </header>
      {/* One polite announcement per change of phase or step, not per event. */}
      <p className="visually-hidden" role="status" aria-live="polite">
        {d.service} {d.phase}
        {current >= 0 ? `, step ${current + 1} of ${steps.length}: ${steps[current]?.label}` : ""}
      </p>
      <p className="muted deployment-meta">
        {d.strategy.type} · started {new Date(d.createdAt).toLocaleString()} by {d.createdBy} ·{" "}
        {d.finishedAt !== undefined
          ? `took ${humanDuration(d.finishedAt - d.createdAt)}`
          : `running for ${humanDuration(Date.now() - d.createdAt)}`}{" "}
        · <span className="mono">{d.id}</span>
      </p>
      {d.reason ? (
        <p className={D.isTerminal(d.phase) && d.phase !== "Succeeded" ? "error-text" : "warning"}>
          {d.reason}
        </p>
      ) : null}
      {error ? <p className="error-text">Could not refresh: {error}</p> : null}

      {running && (
        <RequireRole need="operator">
          <Controls d={d} held={held} />
        </RequireRole>
      )}

      <div className="deployment-grid">
        <section aria-labelledby={`${headingId}-steps`}>
          <h3 id={`${headingId}-steps`}>Steps</h3>
          <ol className="steps">
            {steps.map((s, k) => (
              <li
                key={k}
                className={`step step-${s.status}`}
                aria-current={s.status === "current" ? "step" : undefined}
              >
                <span className="step-mark" aria-hidden="true">
                  {s.status === "done"
                    ? "✓"
                    : s.status === "failed"
                      ? "✕"
                      : s.status === "current"
                        ? "▶"
                        : "○"}
                </span>
                <span>{s.label}</span>
                <span className="visually-hidden"> ({s.status})</span>
              </li>
            ))}
          </ol>
        </section>

        <section aria-labelledby={`${headingId}-traffic`}>
          <h3 id={`${headingId}-traffic`}>{running ? "Traffic" : "Traffic, last split of the rollout"}</h3>
          <Traffic d={d} label={label} />
          {d.phase === "WaitingForGate" || (d.state.waitingFor ?? []).length > 0 ? (
            <>
              <h3>Gates</h3>
              <ul className="gates">
                {(d.state.waitingFor ?? []).map((w) => (
                  <li key={w}>Waiting: {w}</li>
                ))}
              </ul>
            </>
          ) : (
            <GateEvents events={d.events} />
          )}
        </section>

        {running && (
          <section aria-labelledby={`${headingId}-instances`}>
            <h3 id={`${headingId}-instances`}>Instances</h3>
            <InstanceCounts instances={insts.data ?? []} d={d} label={label} />
            {insts.error ? <p className="error-text">{insts.error}</p> : null}
          </section>
        )}
      </div>

      <AnalysisPanel d={d} events={d.events} />

      <details className="events">
        <summary>
          Events ({d.events.length}
          {d.events.length > EVENTS_SHOWN ? `, the last ${EVENTS_SHOWN} shown` : ""})
        </summary>
        <ol className="event-log">
          {d.events.slice(-EVENTS_SHOWN).map((e) => (
            <li key={e.id}>
              <time dateTime={new Date(e.at).toISOString()}>{new Date(e.at).toLocaleTimeString()}</time>{" "}
              <span className="event-kind">{e.kind}</span> {e.message}
            </li>
          ))}
        </ol>
      </details>
    </section>
  );
}

function Traffic({ d, label }: { d: D.Deployment; label: (h: string | undefined) => string }) {
  const rows = trafficOf(d, label);
  if (rows.length === 0) {
    return (
      <p className="muted">
        No traffic split: {D.isTerminal(d.phase) ? "the rollout is over" : "not set yet"}.
      </p>
    );
  }
  return (
    <table className="traffic">
      <caption className="visually-hidden">Share of traffic per router group</caption>
      <thead>
        <tr>
          <th scope="col">Group</th>
          <th scope="col">Revisions</th>
          <th scope="col" className="num">
            Weight
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.group}>
            <th scope="row">{r.group}</th>
            <td>{r.revisions.join(", ") || "—"}</td>
            <td className="num">
              <span className="weight-bar" aria-hidden="true">
                <span style={{ inlineSize: `${Math.max(0, Math.min(100, r.weight))}%` }} />
              </span>
              {r.weight} %
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function GateEvents({ events }: { events: readonly D.DeploymentEvent[] }) {
  const gates = events.filter((e) => e.kind === "gate");
  if (gates.length === 0) {
    return null;
  }
  return (
    <>
      <h3>Gates</h3>
      <ul className="gates">
        {gates.slice(-5).map((e) => (
          <li key={e.id}>{e.message}</li>
        ))}
      </ul>
    </>
  );
}

function InstanceCounts({
  instances,
  d,
  label,
}: {
  instances: readonly D.Instance[];
  d: D.Deployment;
  label: (h: string | undefined) => string;
}) {
  const byRevision = new Map<string, Map<string, number>>();
  for (const i of instances) {
    const states = byRevision.get(i.revision) ?? new Map<string, number>();
    const state = i.standby ? `${i.state}, standby` : i.state;
    states.set(state, (states.get(state) ?? 0) + 1);
    byRevision.set(i.revision, states);
  }
  if (byRevision.size === 0) {
    return <p className="muted">No instances.</p>;
  }
  const role = (hash: string) =>
    hash === d.toRevision ? "new" : hash === d.fromRevision ? "stable" : "other";
  return (
    <ul className="instance-counts">
      {[...byRevision].map(([hash, states]) => (
        <li key={hash} data-revision-role={role(hash)}>
          <strong>
            {role(hash)} {label(hash)}
          </strong>
          : {[...states].map(([s, n]) => `${n} ${s}`).join(", ")}
        </li>
      ))}
    </ul>
  );
}

function Controls({ d, held }: { d: D.Deployment; held: boolean }) {
  const a = actionsFor(d, held);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const act = (what: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    what()
      .catch((err: unknown) => setError(err instanceof ApiError ? err.message : String(err)))
      .finally(() => setBusy(false));
  };
  return (
    <div className="controls" role="group" aria-label="Deployment controls">
      {a.promote && (
        <button
          type="button"
          className="primary"
          disabled={busy}
          onClick={() => act(() => D.control(d.id, "promote"))}
        >
          Promote
        </button>
      )}
      {a.pause && (
        <button type="button" disabled={busy} onClick={() => act(() => D.control(d.id, "pause"))}>
          Pause
        </button>
      )}
      {a.resume && (
        <button type="button" disabled={busy} onClick={() => act(() => D.control(d.id, "resume"))}>
          Resume
        </button>
      )}
      {a.abort && (
        <ConfirmButton
          label="Abort"
          className="danger"
          disabled={busy}
          title={`Abort the deployment of ${d.service}?`}
          confirmLabel="Abort deployment"
          onConfirm={() => act(() => D.control(d.id, "abort"))}
        >
          <p>
            Traffic goes back to the stable revision at once, then the new instances are retired. It ends
            Aborted.
          </p>
        </ConfirmButton>
      )}
      {a.abort && (
        <ConfirmButton
          label="Roll back"
          className="danger"
          disabled={busy}
          title={`Roll back ${d.service}?`}
          confirmLabel="Roll back"
          onConfirm={() => act(() => D.rollback(d.service))}
        >
          <p>The running deployment stops and rolls back to the stable revision. It ends RolledBack.</p>
        </ConfirmButton>
      )}
      {error ? (
        <p className="error-text" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
