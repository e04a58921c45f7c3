// The Infrastructure page: the machines lineops watches (this host, node_exporter targets) with
// CPU, memory and network charts pushed over the live stream, their disks with "full in N days"
// forecasts, the runtime's health and each instance's resources. The tables come from one summary
// request (GET /api/v1/infrastructure/health), read again when the live stream says something
// changed: an instance event, or a new push of the charts (at most every REFRESH_MS).
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useLiveQuery, useLiveReload, useLiveStatus } from "../../api/live.js";
import { useTheme } from "../../app/theme.js";
import { Graph } from "../../charts/Graph.js";
import { alignMatrix } from "../../charts/series.js";
import { CapacityPanel, RightSizingPanel } from "./RightSizing.js";
import { fetchInfrastructureHealth, type InfrastructureHealth, type NodeHealth } from "./api.js";
import {
  forecastText,
  formatBytes,
  formatCores,
  MIN_TREND_SPAN_S,
  formatPercent,
  formatRate,
  soonestFullIn,
} from "./format.js";

/** The charts' window and width in points (about their width in pixels). */
const RANGE_S = 15 * 60;
const CHART_WIDTH = 600;
/** The summary is re-read on a chart push no more often than this: its forecasts move slowly. */
const REFRESH_MS = 15_000;

const CPU_QUERY = '100 * (1 - avg by (job, instance) (rate(node_cpu_seconds_total{mode="idle"}[1m])))';
const MEMORY_QUERY = "100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)";
const NETWORK_QUERY =
  'sum by (job, instance) (rate({__name__=~"node_network_(receive|transmit)_bytes_total", device!="lo"}[1m])) / 1024';

type Load = { health?: InfrastructureHealth; error?: string };

export default function Infrastructure() {
  const [load, setLoad] = useState<Load>({});
  const inflight = useRef<AbortController | undefined>(undefined);
  const lastRead = useRef(0);

  const reload = useCallback(() => {
    inflight.current?.abort();
    const ac = new AbortController();
    inflight.current = ac;
    lastRead.current = Date.now();
    fetchInfrastructureHealth(ac.signal).then(
      (health) => setLoad({ health }),
      (err: unknown) => {
        if (!ac.signal.aborted) {
          setLoad((l) => ({ ...l, error: (err as Error).message }));
        }
      },
    );
  }, []);
  useLiveReload(["instance", "deployment"], reload);

  const cpu = useLiveQuery({ query: CPU_QUERY, range: RANGE_S, width: CHART_WIDTH });
  const memory = useLiveQuery({ query: MEMORY_QUERY, range: RANGE_S, width: CHART_WIDTH });
  const network = useLiveQuery({ query: NETWORK_QUERY, range: RANGE_S, width: CHART_WIDTH });

  // New samples arrived (the CPU chart was pushed): the summary's numbers moved too.
  const pushedAt = cpu.data?.end;
  useEffect(() => {
    if (pushedAt !== undefined && Date.now() - lastRead.current >= REFRESH_MS) {
      reload();
    }
  }, [pushedAt, reload]);

  return (
    <div className="infra-page">
      <div className="page-title-row">
        <h1>Infrastructure</h1>
        <LiveBadge />
      </div>
      {load.error !== undefined && (
        <p className="panel error" role="alert">
          Infrastructure health could not be read: {load.error}
        </p>
      )}
      <section className="panel" aria-labelledby="infra-charts-title">
        <h2 id="infra-charts-title">Host resources, last 15 minutes</h2>
        <div className="svc-charts infra-charts">
          <LiveChart title="CPU busy (%)" state={cpu} />
          <LiveChart title="Memory used (%)" state={memory} />
          <LiveChart title="Network, received + sent (KiB/s)" state={network} />
        </div>
      </section>
      {load.health === undefined ? (
        load.error === undefined && (
          <p className="muted" role="status">
            Loading infrastructure health…
          </p>
        )
      ) : (
        <>
          <NodesPanel nodes={load.health.nodes} />
          <DisksPanel nodes={load.health.nodes} />
          <NetworkPanel nodes={load.health.nodes} />
          <RuntimePanel health={load.health} />
          <InstancesPanel health={load.health} />
          {Object.keys(load.health.truncated).length > 0 && (
            <p className="warning">
              Lists cut at 200 rows:{" "}
              {Object.entries(load.health.truncated)
                .map(([k, n]) => `${k} (${n} more)`)
                .join(", ")}
            </p>
          )}
        </>
      )}
      <section className="panel infra-coming" aria-labelledby="infra-autoscaler-title">
        <h2 id="infra-autoscaler-title">Autoscaler decisions</h2>
        <p className="muted">
          Not available yet: the autoscaler (HPA-faithful scaling per service, scale to zero) comes with P11
          deliverable 3. Its decisions (inputs, recommendation, applied value and reason) will be listed here.
          Nothing changes a service&apos;s instance count today but a deployment.
        </p>
      </section>
      <RightSizingPanel refresh={load.health?.evaluatedAt} />
      <CapacityPanel />
    </div>
  );
}

function LiveBadge() {
  const status = useLiveStatus();
  const text = status === "open" ? "Live" : status === "connecting" ? "Connecting…" : "Offline";
  return (
    <span className={`badge live-${status}`} role="status" title="Charts arrive over the live stream">
      {text}
    </span>
  );
}

function LiveChart({ title, state }: { title: string; state: ReturnType<typeof useLiveQuery> }) {
  const { theme } = useTheme();
  const aligned = useMemo(() => {
    const d = state.data;
    if (d === undefined) {
      return undefined;
    }
    // Name each line by its machine: the job only says whether it is this host or a target.
    const result = d.result.map((s) => ({
      metric: s.metric.instance === undefined ? s.metric : { instance: s.metric.instance },
      values: s.values,
    }));
    return alignMatrix(result, d.start, d.end, d.step);
  }, [state.data]);
  return (
    <figure>
      <figcaption>{title}</figcaption>
      {state.error !== undefined ? (
        <p className="error-text">{state.error}</p>
      ) : aligned === undefined ? (
        <p className="muted">Waiting for the first push…</p>
      ) : (
        <Graph aligned={aligned} theme={theme} height={180} />
      )}
    </figure>
  );
}

function nodeName(n: NodeHealth): string {
  return n.source === "host" ? `${n.instance} (this host)` : n.instance;
}

function NodesPanel({ nodes }: { nodes: NodeHealth[] }) {
  return (
    <section className="panel" aria-labelledby="infra-nodes-title">
      <h2 id="infra-nodes-title">Machines</h2>
      <p className="muted">
        This host through lineops&apos;s own collector (job <code>node</code>) and every node_exporter target
        of <code>scrape_configs</code> that reported within the hour.
      </p>
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Machines">
        <table className="result-table infra-nodes">
          <thead>
            <tr>
              <th scope="col">Machine</th>
              <th scope="col">Job</th>
              <th scope="col">State</th>
              <th scope="col" className="num">
                CPUs
              </th>
              <th scope="col" className="num">
                CPU busy
              </th>
              <th scope="col" className="num">
                Load (1 m)
              </th>
              <th scope="col" className="num">
                Memory used
              </th>
              <th scope="col">Kernel</th>
            </tr>
          </thead>
          <tbody>
            {nodes.map((n) => (
              <tr key={`${n.job}/${n.instance}`} data-node={n.instance} data-source={n.source}>
                <td className="mono">{nodeName(n)}</td>
                <td>{n.job}</td>
                <td>
                  <span className={`state state-${n.up ? "ready" : "failed"}`}>{n.up ? "up" : "down"}</span>
                  {n.lastSampleAgeSeconds !== undefined && (
                    <span className="muted"> last sample {Math.round(n.lastSampleAgeSeconds)} s ago</span>
                  )}
                </td>
                <td className="num">{n.cpu.cores ?? "—"}</td>
                <td className="num">{formatPercent(n.cpu.utilisation)}</td>
                <td className="num">{n.cpu.load1 === undefined ? "—" : n.cpu.load1.toFixed(2)}</td>
                <td className="num">
                  {formatPercent(n.memory.utilisation)}
                  {n.memory.totalBytes !== undefined && (
                    <span className="muted"> of {formatBytes(n.memory.totalBytes)}</span>
                  )}
                </td>
                <td>{n.kernel ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function DisksPanel({ nodes }: { nodes: NodeHealth[] }) {
  const rows = nodes.flatMap((n) => n.disks.map((d) => ({ n, d })));
  return (
    <section className="panel" aria-labelledby="infra-disks-title">
      <h2 id="infra-disks-title">Disks and forecasts</h2>
      <p className="muted">
        When each filesystem is full at its trend over the last 6 hours: least squares (as PromQL&apos;s{" "}
        <code>predict_linear</code>, which the disk alerts use) and Holt&apos;s smoothing (recent behaviour
        weighs more). A disk whose free space is not falling has no date, and none is shown before the trend
        has seen an hour of data.
      </p>
      {rows.length === 0 ? (
        <p className="muted">No filesystem reported (memory-backed and read-only ones are left out).</p>
      ) : (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Disks and forecasts">
          <table className="result-table infra-disks">
            <thead>
              <tr>
                <th scope="col">Machine</th>
                <th scope="col">Mount point</th>
                <th scope="col">Device</th>
                <th scope="col" className="num">
                  Used
                </th>
                <th scope="col" className="num">
                  Free
                </th>
                <th scope="col">Forecast</th>
                <th scope="col">Linear</th>
                <th scope="col">Holt</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ n, d }) => {
                const soonest = soonestFullIn(d.fullInSeconds, d.holtFullInSeconds);
                const known = (d.trendSpanSeconds ?? 0) >= MIN_TREND_SPAN_S;
                const urgent = known && soonest !== undefined && soonest < 86_400;
                return (
                  <tr
                    key={`${n.job}/${n.instance}/${d.mountpoint}/${d.device}`}
                    data-mountpoint={d.mountpoint}
                  >
                    <td className="mono">{nodeName(n)}</td>
                    <td className="mono">{d.mountpoint}</td>
                    <td className="mono">
                      {d.device} <span className="muted">({d.fstype})</span>
                    </td>
                    <td className="num">{formatPercent(d.usedRatio)}</td>
                    <td className="num">
                      {d.availBytes === undefined ? "—" : formatBytes(d.availBytes)}
                      {d.sizeBytes !== undefined && (
                        <span className="muted"> of {formatBytes(d.sizeBytes)}</span>
                      )}
                    </td>
                    <td>
                      <span className={urgent ? "state state-failed" : undefined}>
                        {forecastText(soonest, d.trendSpanSeconds)}
                      </span>
                    </td>
                    <td>{forecastText(d.fullInSeconds, d.trendSpanSeconds)}</td>
                    <td>{forecastText(d.holtFullInSeconds, d.trendSpanSeconds)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function NetworkPanel({ nodes }: { nodes: NodeHealth[] }) {
  const rows = nodes.flatMap((n) => n.network.map((d) => ({ n, d })));
  if (rows.length === 0) {
    return null;
  }
  return (
    <section className="panel" aria-labelledby="infra-network-title">
      <h2 id="infra-network-title">Network devices</h2>
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Network devices">
        <table className="result-table infra-network">
          <thead>
            <tr>
              <th scope="col">Machine</th>
              <th scope="col">Device</th>
              <th scope="col" className="num">
                Received
              </th>
              <th scope="col" className="num">
                Sent
              </th>
              <th scope="col" className="num">
                Errors/s
              </th>
              <th scope="col" className="num">
                Drops/s
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ n, d }) => (
              <tr key={`${n.job}/${n.instance}/${d.device}`}>
                <td className="mono">{nodeName(n)}</td>
                <td className="mono">{d.device}</td>
                <td className="num">{formatRate(d.receiveBytesPerSecond)}</td>
                <td className="num">{formatRate(d.transmitBytesPerSecond)}</td>
                <td className="num">
                  {d.errorsPerSecond === undefined ? "—" : d.errorsPerSecond.toFixed(2)}
                </td>
                <td className="num">{d.dropsPerSecond === undefined ? "—" : d.dropsPerSecond.toFixed(2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function RuntimePanel({ health }: { health: InfrastructureHealth }) {
  const r = health.runtime;
  const crashes = Object.entries(r.crashes15m).filter(([, n]) => n > 0);
  return (
    <section className="panel" aria-labelledby="infra-runtime-title">
      <h2 id="infra-runtime-title">Runtime</h2>
      <dl className="svc-facts infra-runtime">
        <div>
          <dt>Backend</dt>
          <dd>{r.backend === "process" ? "processes on this host" : r.backend}</dd>
        </div>
        <div>
          <dt>Instances</dt>
          <dd>
            {r.instances}
            {Object.keys(r.byState).length > 0 && (
              <span className="muted">
                {" "}
                (
                {Object.entries(r.byState)
                  .map(([state, n]) => `${n} ${state}`)
                  .join(", ")}
                )
              </span>
            )}
          </dd>
        </div>
        <div>
          <dt>Restarting</dt>
          <dd>
            <span className={`state state-${r.restarting > 0 ? "backoff" : "ready"}`}>{r.restarting}</span>
          </dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd>
            <span className={`state state-${r.failed > 0 ? "failed" : "ready"}`}>{r.failed}</span>
          </dd>
        </div>
        <div>
          <dt>Restarts since start</dt>
          <dd>{r.restartsTotal}</dd>
        </div>
        <div>
          <dt>Crashes, last 15 min</dt>
          <dd>
            {crashes.length === 0 ? "none" : crashes.map(([s, n]) => `${s}: ${Math.round(n)}`).join(", ")}
          </dd>
        </div>
      </dl>
    </section>
  );
}

function InstancesPanel({ health }: { health: InfrastructureHealth }) {
  return (
    <section className="panel" aria-labelledby="infra-instances-title">
      <h2 id="infra-instances-title">Instances and their resources</h2>
      <p className="muted">
        Each instance&apos;s own process, read from <code>/proc</code>: CPU (user + system over 1 minute),
        resident memory, threads and open file descriptors (the <code>lineops_instance_*</code> series).
      </p>
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Instances and their resources">
        <table className="result-table infra-instances">
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Instance</th>
              <th scope="col">Station</th>
              <th scope="col">State</th>
              <th scope="col" className="num">
                Restarts
              </th>
              <th scope="col" className="num">
                CPU
              </th>
              <th scope="col" className="num">
                Memory
              </th>
              <th scope="col" className="num">
                Threads
              </th>
              <th scope="col" className="num">
                Open fds
              </th>
            </tr>
          </thead>
          <tbody>
            {health.instances.map((i) => (
              <tr key={i.id} data-instance={i.id}>
                <td>{i.service}</td>
                <td className="mono" title={`revision ${i.revision} (${i.version})`}>
                  {i.id}
                </td>
                <td>{i.station ?? "—"}</td>
                <td>
                  <span className={`state state-${i.state}`}>{i.state}</span>
                </td>
                <td className="num">{i.restarts}</td>
                <td className="num">{i.cpuCores === undefined ? "—" : formatCores(i.cpuCores)}</td>
                <td className="num">{i.residentBytes === undefined ? "—" : formatBytes(i.residentBytes)}</td>
                <td className="num">{i.threads ?? "—"}</td>
                <td className="num">{i.openFds ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
