// The Deployments page: DORA figures, the rollouts in progress (live), the chosen deployment in
// full, starting a deployment (operators), the history of deployments and a service's revisions
// with spec diffs. The URL holds the chosen service and deployment (?service=&id=): shareable.
import { useLiveStatus } from "../../api/live.js";
import { Link, navigate, useLocation } from "../../app/router.js";
import { RequireRole } from "../../app/session.js";
import * as D from "./api.js";
import { DeploymentView, PhaseBadge } from "./DeploymentView.js";
import { DeploymentTable, hrefFor, Revisions } from "./History.js";
import { useDeployments, useOnFinish } from "./hooks.js";
import { humanDuration } from "./model.js";
import { StartForm } from "./StartForm.js";

export default function Deployments() {
  const { search } = useLocation();
  const service = search.get("service") || undefined;
  const chosen = search.get("id") || undefined;
  const list = useDeployments(service);
  const status = useOnFinish(() => D.services());
  const dora = useOnFinish(() => D.dora());
  const live = useLiveStatus();

  const deployments = list.data ?? [];
  const active = deployments.filter((d) => !D.isTerminal(d.phase));
  const selectedId = chosen ?? active[0]?.id ?? deployments[0]?.id;
  const selected = deployments.find((d) => d.id === selectedId);
  const svc = status.data?.find((s) => s.name === (selected?.service ?? service));
  const slots = svc ? (svc.stations?.length ?? svc.desired) : 1;

  return (
    <div className="deployments-page">
      <div className="page-title">
        <h1>Deployments</h1>
        <span className={`live-dot live-${live}`} role="status">
          {live === "open" ? "Live" : live === "connecting" ? "Connecting…" : "Not live (reconnecting)"}
        </span>
      </div>

      <DoraPanel dora={dora.data} error={dora.error} />

      <div className="deployments-layout">
        <div className="deployments-main">
          {active.length > 0 && (
            <section className="panel" aria-labelledby="in-progress">
              <h2 id="in-progress">In progress</h2>
              <ul className="in-progress">
                {active.map((d) => (
                  <li key={d.id}>
                    <Link to={hrefFor(service, d.id)} aria-current={d.id === selectedId ? "true" : undefined}>
                      {d.service}
                    </Link>{" "}
                    <PhaseBadge phase={d.phase} />{" "}
                    <span className="muted">for {humanDuration(Date.now() - d.createdAt)}</span>
                  </li>
                ))}
              </ul>
            </section>
          )}
          {selectedId !== undefined ? (
            <DeploymentView key={selectedId} id={selectedId} slots={slots} />
          ) : list.data ? (
            <p className="panel muted">No deployments yet{service ? ` of ${service}` : ""}.</p>
          ) : null}
        </div>

        <aside className="deployments-side" aria-label="Start and filter">
          <RequireRole need="operator">
            {status.data ? (
              <StartForm
                key={service ?? ""}
                services={status.data}
                initialService={service}
                onStarted={(d) => navigate(hrefFor(service, d.id))}
              />
            ) : null}
          </RequireRole>
          <section className="panel" aria-labelledby="filter-h">
            <h2 id="filter-h">Service</h2>
            <label>
              <span className="visually-hidden">Show the history of</span>
              <select
                value={service ?? ""}
                onChange={(e) => navigate(hrefFor(e.target.value || undefined, undefined))}
              >
                <option value="">All services</option>
                {(status.data ?? []).map((s) => (
                  <option key={s.name} value={s.name}>
                    {s.name}
                  </option>
                ))}
              </select>
            </label>
          </section>
        </aside>
      </div>

      <section className="panel" aria-labelledby="history-h">
        <h2 id="history-h">History{service ? ` of ${service}` : ""}</h2>
        {list.error ? <p className="error-text">{list.error}</p> : null}
        {list.data ? (
          <DeploymentTable deployments={deployments} selected={selectedId} service={service} />
        ) : (
          <p className="muted" role="status">
            Loading…
          </p>
        )}
      </section>

      {(service ?? selected?.service) !== undefined && (
        <section className="panel" aria-labelledby="revisions-h">
          <h2 id="revisions-h">Revisions of {service ?? selected?.service}</h2>
          <Revisions
            service={(service ?? selected?.service)!}
            current={status.data?.find((s) => s.name === (service ?? selected?.service))?.revision}
          />
        </section>
      )}
    </div>
  );
}

function pct(x: number | null): string {
  return x === null ? "—" : `${(x * 100).toFixed(x < 0.1 ? 1 : 0)} %`;
}

function secs(x: number | null): string {
  return x === null ? "—" : humanDuration(x * 1000);
}

function DoraPanel({ dora, error }: { dora: D.Dora | undefined; error: string | undefined }) {
  return (
    <section className="panel dora" aria-labelledby="dora-h">
      <h2 id="dora-h">DORA, last {dora?.windowDays ?? 30} days</h2>
      {error ? <p className="error-text">{error}</p> : null}
      {dora ? (
        <dl className="stats">
          <div>
            <dt>Deployment frequency</dt>
            <dd>
              {dora.deploymentsPerDay.toFixed(2)} <span className="unit">per day</span>
            </dd>
          </div>
          <div>
            <dt>Deployments finished</dt>
            <dd>{dora.deployments}</dd>
          </div>
          <div>
            <dt>Lead time (median)</dt>
            <dd>{secs(dora.leadTimeSecondsMedian)}</dd>
          </div>
          <div>
            <dt>Change failure rate</dt>
            <dd>{pct(dora.changeFailureRate)}</dd>
          </div>
          <div>
            <dt>Time to restore (median)</dt>
            <dd>{secs(dora.timeToRestoreSecondsMedian)}</dd>
          </div>
        </dl>
      ) : null}
    </section>
  );
}
