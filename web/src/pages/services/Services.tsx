// The Services page: every service of the line with its instances (state, health, revision,
// station, pid, port, restarts, ready since, CPU and memory), its front door with the router's
// group weights and backends, its revisions, and, for operators, an instance's log tail. Instance
// and deployment events on the live stream reload it; resource charts are live query subscriptions.
import { useCallback, useMemo, useRef, useState } from "react";
import { ApiError } from "../../api/client.js";
import { useLiveQuery, useLiveReload, useLiveStatus, type InstanceEventData } from "../../api/live.js";
import { hasRole, useSession } from "../../app/session.js";
import { navigate, useLocation } from "../../app/router.js";
import { useTheme } from "../../app/theme.js";
import { Graph } from "../../charts/Graph.js";
import { alignMatrix } from "../../charts/series.js";
import { fetchRevisions, fetchServices, type InstanceView, type Revision, type ServiceView } from "./api.js";
import { LogTail } from "./LogTail.js";
import {
  CPU_QUERY,
  formatAge,
  formatBytes,
  formatCores,
  MIB,
  RESOURCE_RANGE_S,
  RSS_QUERY,
  usageByInstance,
  type Head,
  type Usage,
} from "./resources.js";

/** Points per series the resource charts ask for (about a chart's width in pixels). */
const CHART_WIDTH = 600;

type Load = { services?: ServiceView[]; error?: string; loadedAt?: number };

export default function Services() {
  const [load, setLoad] = useState<Load>({});
  const inflight = useRef<AbortController | undefined>(undefined);
  const { role } = useSession();
  const operator = hasRole(role, "operator");
  const { search } = useLocation();
  const logsFor = search.get("logs") ?? undefined;

  const reload = useCallback(() => {
    inflight.current?.abort();
    const ac = new AbortController();
    inflight.current = ac;
    fetchServices(ac.signal).then(
      (services) => setLoad({ services, loadedAt: Date.now() }),
      (err: unknown) => {
        if (!ac.signal.aborted) {
          setLoad((l) => ({ ...l, error: (err as Error).message }));
        }
      },
    );
  }, []);

  // An instance event patches its row at once (state); the reload that follows brings the rest.
  const onEvent = useCallback((topic: string, data: unknown) => {
    const e = data as InstanceEventData;
    if (topic !== "instance" || !("instance" in e)) {
      return;
    }
    setLoad((l) => ({
      ...l,
      services: l.services?.map((s) =>
        s.name !== e.instance.service
          ? s
          : {
              ...s,
              instanceList: s.instanceList.map((i) =>
                i.id === e.instance.id ? { ...i, state: e.instance.state as InstanceView["state"] } : i,
              ),
            },
      ),
    }));
  }, []);
  useLiveReload(["instance", "deployment"], reload, { onEvent });

  const cpu = useLiveQuery({ query: CPU_QUERY, range: RESOURCE_RANGE_S, width: CHART_WIDTH });
  const rss = useLiveQuery({ query: RSS_QUERY, range: RESOURCE_RANGE_S, width: CHART_WIDTH });

  const showLogs = (id: string) => {
    const next = new URLSearchParams(search);
    next.set("logs", id);
    navigate(`/services?${next.toString()}`, { replace: true });
    document.getElementById("log-tail")?.scrollIntoView({ block: "start" });
  };

  return (
    <div className="services-page">
      <div className="page-title-row">
        <h1>Services</h1>
        <LiveBadge />
      </div>
      {load.error !== undefined && (
        <p className="panel error" role="alert">
          Services could not be read: {load.error}
        </p>
      )}
      {load.services === undefined ? (
        load.error === undefined && (
          <p className="muted" role="status">
            Loading services…
          </p>
        )
      ) : (
        <>
          <ResourcePanel cpu={cpu} rss={rss} />
          {load.services.map((s) => (
            <ServiceCard
              key={s.name}
              service={s}
              cpu={cpu.data?.head ?? []}
              rss={rss.data?.head ?? []}
              now={load.loadedAt ?? Date.now()}
              onLogs={operator ? showLogs : undefined}
            />
          ))}
          <LogTail
            operator={operator}
            instances={load.services.flatMap((s) => s.instanceList)}
            selected={logsFor}
          />
        </>
      )}
    </div>
  );
}

function LiveBadge() {
  const status = useLiveStatus();
  const text = status === "open" ? "Live" : status === "connecting" ? "Connecting…" : "Offline";
  return (
    <span
      className={`badge live-${status}`}
      role="status"
      title="Instance changes arrive over the live stream"
    >
      {text}
    </span>
  );
}

type LiveQueryState = ReturnType<typeof useLiveQuery>;

function ResourcePanel({ cpu, rss }: { cpu: LiveQueryState; rss: LiveQueryState }) {
  const { theme } = useTheme();
  const chart = (q: LiveQueryState) => {
    const d = q.data;
    if (d === undefined) {
      return undefined;
    }
    // Name series by instance id (it starts with the service's name); older samples by service.
    const result = d.result.map((s) => ({
      metric:
        s.metric.instance_id !== undefined
          ? { instance_id: s.metric.instance_id }
          : s.metric.service === undefined
            ? s.metric
            : { service: s.metric.service },
      values: s.values,
    }));
    return alignMatrix(result, d.start, d.end, d.step);
  };
  const cpuChart = useMemo(() => chart(cpu), [cpu]);
  const rssChart = useMemo(() => chart(rss), [rss]);
  return (
    <section className="panel svc-resources" aria-labelledby="resources-title">
      <h2 id="resources-title">Resource use, last 15 minutes</h2>
      <p className="muted">
        CPU (cores, user + system) and resident memory of each instance&apos;s process, read from{" "}
        <code>/proc</code> by lineops&apos;s host collector: one series per instance, labelled with its{" "}
        <code>instance_id</code>. Samples written by lineops before per-instance series existed carry only the{" "}
        <code>service</code>; an instance known only through those is marked “shared”.
      </p>
      <div className="svc-charts">
        <figure>
          <figcaption>CPU (cores)</figcaption>
          {cpu.error !== undefined ? (
            <p className="error-text">{cpu.error}</p>
          ) : cpuChart === undefined ? (
            <p className="muted">Waiting for the first push…</p>
          ) : (
            <Graph aligned={cpuChart} theme={theme} height={180} />
          )}
        </figure>
        <figure>
          <figcaption>Resident memory (MiB)</figcaption>
          {rss.error !== undefined ? (
            <p className="error-text">{rss.error}</p>
          ) : rssChart === undefined ? (
            <p className="muted">Waiting for the first push…</p>
          ) : (
            <Graph aligned={rssChart} theme={theme} height={180} />
          )}
        </figure>
      </div>
    </section>
  );
}

function usageText(u: Usage | undefined, format: (v: number) => string): string {
  if (u === undefined || u.kind === "none") {
    return "—";
  }
  return u.kind === "own" ? format(u.value) : `${format(u.value)} (shared)`;
}

function ServiceCard({
  service: s,
  cpu,
  rss,
  now,
  onLogs,
}: {
  service: ServiceView;
  cpu: Head;
  rss: Head;
  now: number;
  onLogs: ((instance: string) => void) | undefined;
}) {
  const cpuUse = usageByInstance(cpu, s.instanceList);
  const rssUse = usageByInstance(rss, s.instanceList);
  const titleId = `svc-${s.name}`;
  return (
    <section className="panel svc-card" aria-labelledby={titleId} data-service={s.name}>
      <div className="svc-head">
        <h2 id={titleId}>{s.name}</h2>
        <span className={`badge health-${s.ready ? "healthy" : "unhealthy"}`}>
          {s.ready ? "ready" : "not ready"} · {s.readyInstances}/{s.desired}
        </span>
      </div>
      {s.error !== undefined && <p className="error-text">{s.error}</p>}
      <dl className="svc-facts">
        <div>
          <dt>Version</dt>
          <dd>{s.version}</dd>
        </div>
        <div>
          <dt>Revision</dt>
          <dd>
            #{s.revisionNumber} <span className="mono">{s.revision.slice(0, 12)}</span>
          </dd>
        </div>
        <div>
          <dt>Front door</dt>
          <dd className="mono">{s.frontDoor ? `${s.frontDoor.host}:${s.frontDoor.port}` : "not open"}</dd>
        </div>
        <div>
          <dt>Router weights</dt>
          <dd>
            {s.weights
              ? Object.entries(s.weights)
                  .map(([g, w]) => `${g} ${w}%`)
                  .join(", ")
              : "—"}
          </dd>
        </div>
        {s.dependsOn.length > 0 && (
          <div>
            <dt>Depends on</dt>
            <dd>{s.dependsOn.join(", ")}</dd>
          </div>
        )}
      </dl>
      {s.routingError !== undefined && <p className="warning">{s.routingError}</p>}

      <h3>Instances</h3>
      <div className="table-wrap" tabIndex={0} role="region" aria-label={`Instances of ${s.name}`}>
        <table className="result-table svc-instances">
          <thead>
            <tr>
              <th scope="col">Instance</th>
              <th scope="col">State</th>
              <th scope="col">Health</th>
              <th scope="col">Revision</th>
              <th scope="col">Station</th>
              <th scope="col" className="num">
                PID
              </th>
              <th scope="col" className="num">
                Port
              </th>
              <th scope="col" className="num">
                Restarts
              </th>
              <th scope="col">Ready since</th>
              <th scope="col" className="num">
                CPU
              </th>
              <th scope="col" className="num">
                Memory
              </th>
              {onLogs && <th scope="col">Logs</th>}
            </tr>
          </thead>
          <tbody>
            {s.instanceList.map((i) => (
              <tr key={i.id} data-instance={i.id}>
                <td className="mono">
                  {i.id}
                  {i.standby ? " (standby)" : ""}
                </td>
                <td>
                  <span className={`state state-${i.state}`}>{i.state}</span>
                  {i.reason !== undefined && <span className="muted"> {i.reason}</span>}
                </td>
                <td>{i.health ?? "unknown"}</td>
                <td className="mono" title={i.revision}>
                  {i.revision.slice(0, 12)} ({i.version})
                </td>
                <td>{i.station ?? "—"}</td>
                <td className="num">{i.pid ?? "—"}</td>
                <td className="num">{i.port}</td>
                <td className="num">{i.restarts}</td>
                <td>
                  {i.readySince === undefined ? (
                    "—"
                  ) : (
                    <time dateTime={new Date(i.readySince).toISOString()}>
                      {new Date(i.readySince).toLocaleTimeString()} ({formatAge(i.readySince, now)})
                    </time>
                  )}
                </td>
                <td className="num">{usageText(cpuUse.get(i.id), formatCores)}</td>
                <td className="num">{usageText(rssUse.get(i.id), (mib) => formatBytes(mib * MIB))}</td>
                {onLogs && (
                  <td>
                    <button type="button" onClick={() => onLogs(i.id)} aria-label={`Logs of ${i.id}`}>
                      Logs
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h3>Backends</h3>
      {s.backends.length === 0 ? (
        <p className="muted">No backends in the router for this service.</p>
      ) : (
        <div className="table-wrap" tabIndex={0} role="region" aria-label={`Backends of ${s.name}`}>
          <table className="result-table svc-backends">
            <thead>
              <tr>
                <th scope="col">Instance</th>
                <th scope="col">Address</th>
                <th scope="col">Group</th>
                <th scope="col" className="num">
                  Weight
                </th>
                <th scope="col">Draining</th>
                <th scope="col">Station</th>
                <th scope="col">Revision</th>
              </tr>
            </thead>
            <tbody>
              {s.backends.map((b) => (
                <tr key={b.instanceId} data-backend={b.instanceId}>
                  <td className="mono">{b.instanceId}</td>
                  <td className="mono">
                    {b.host}:{b.port}
                  </td>
                  <td>{b.group}</td>
                  <td className="num">{b.weight}</td>
                  <td>{b.draining ? "draining" : "no"}</td>
                  <td>{b.station ?? "—"}</td>
                  <td className="mono">{b.revision?.slice(0, 12) ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Revisions service={s.name} current={s.revision} />
    </section>
  );
}

/** The revision history, read when opened (it rarely changes and most visits never look). */
function Revisions({ service, current }: { service: string; current: string }) {
  const [state, setState] = useState<{ revisions?: Revision[]; error?: string }>({});
  const toggled = (open: boolean) => {
    if (!open || state.revisions !== undefined) {
      return;
    }
    fetchRevisions(service).then(
      (revisions) => setState({ revisions }),
      (err: unknown) =>
        setState({ error: err instanceof ApiError ? `${err.errorType}: ${err.message}` : String(err) }),
    );
  };
  return (
    <details className="svc-revisions" onToggle={(e) => toggled(e.currentTarget.open)}>
      <summary>Revisions</summary>
      {state.error !== undefined && <p className="error-text">{state.error}</p>}
      {state.revisions === undefined && state.error === undefined && <p className="muted">Loading…</p>}
      {state.revisions !== undefined && (
        <ol className="svc-revision-list">
          {state.revisions.map((r) => (
            <li key={r.hash}>
              #{r.number} <span className="mono">{r.hash.slice(0, 12)}</span> {r.version}
              {" · "}
              {new Date(r.createdAt).toLocaleString()}
              {r.hash === current && <strong> (current)</strong>}
            </li>
          ))}
        </ol>
      )}
    </details>
  );
}
