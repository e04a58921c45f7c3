// The line overview (P9 deliverable 3, first page): the line's services in dependency order with
// their stations and health, throughput against target, OEE and its factors, scrap ratio, firing
// alerts, running versions and a live event feed. Snapshots come from the API once per
// (re)connection of the live stream; everything after that arrives on the stream (instance, alert
// and deployment events, subscribed queries): no polling. `?kiosk=1` is the wall-screen mode.
import { useCallback, useEffect, useMemo, useState } from "react";
import { api } from "../../api/client.js";
import {
  useLiveEvent,
  useLiveResult,
  useShownStatus,
  type QueryFailure as LiveQueryError,
  type QueryPush as LiveQueryResult,
  type ShownStatus,
} from "../../api/live.js";
import { alignMatrix, sampleValue } from "../../charts/series.js";
import { Graph } from "../../charts/Graph.js";
import { useTheme } from "../../app/theme.js";
import { Link } from "../../app/router.js";
import {
  applyAlert,
  applyInstance,
  alertKey,
  columns,
  feedItem,
  HEALTH_LABEL,
  lineHealth,
  pushFeed,
  serviceView,
  stationStates,
  type FeedItem,
  type FiringAlert,
  type Health,
  type InstanceInfo,
  type ServiceInfo,
  type ServiceView,
} from "./model.js";
import { LINE_OEE, SCRAP_RATIO, STATION_OEE, STATION_STATE, THROUGHPUT } from "./queries.js";

type Snapshot = {
  line: string;
  order: string[][];
  services: ServiceInfo[];
  firing: Map<string, FiringAlert>;
  deploying: Set<string>;
  shift?: ShiftOee;
};

type OeeFigures = { availability?: number; performance?: number; quality?: number; oee?: number };
type ShiftOee = { shift?: string; start: number; end: number; line: OeeFigures };

const TERMINAL = new Set(["Succeeded", "RolledBack", "Failed", "Aborted"]);

async function loadSnapshot(signal: AbortSignal): Promise<Snapshot> {
  const [line, services, alerts, deployments, oee] = await Promise.all([
    api<{ name: string; order: string[][] }>("/api/v1/line", { signal, envelope: false }),
    api<{ services: ServiceInfo[] }>("/api/v1/services", { signal, envelope: false }),
    api<{
      alerts: {
        labels: Record<string, string>;
        annotations: Record<string, string>;
        state: string;
        activeAt?: string;
      }[];
    }>("/api/v1/alerts", { signal }),
    api<{ deployments: { service: string; phase: string }[] }>("/api/v1/deployments", {
      signal,
      envelope: false,
    }),
    // The current shift's OEE; a line without the OEE rules still has an overview.
    api<{ buckets: ShiftOee[] }>("/api/v1/analytics/oee", {
      query: { by: "shift", from: Math.floor(Date.now() / 1000) - 24 * 3600 },
      signal,
    }).catch(() => ({ buckets: [] as ShiftOee[] })),
  ]);
  const firing = new Map<string, FiringAlert>();
  for (const a of alerts.alerts.filter((x) => x.state === "firing")) {
    const key = alertKey(a.labels);
    firing.set(key, {
      key,
      labels: a.labels,
      annotations: a.annotations,
      ...(a.activeAt ? { activeAt: a.activeAt } : {}),
    });
  }
  const now = Date.now();
  const shift = oee.buckets.find((b) => b.start <= now && now < b.end) ?? oee.buckets.at(-1);
  return {
    line: line.name,
    order: line.order,
    services: services.services,
    firing,
    deploying: new Set(deployments.deployments.filter((d) => !TERMINAL.has(d.phase)).map((d) => d.service)),
    ...(shift ? { shift } : {}),
  };
}

/** The newest value of each series of a subscribed query, by a label (or "" for a single series). */
function heads(r: LiveQueryResult | LiveQueryError | undefined, label: string): Map<string, number> {
  const out = new Map<string, number>();
  if (r === undefined || "error" in r) {
    return out;
  }
  for (const h of r.head ?? []) {
    const v = sampleValue(h.value[1]);
    if (Number.isFinite(v)) {
      out.set(label === "" ? "" : (h.metric[label] ?? ""), v);
    }
  }
  return out;
}

const pct = (v: number | undefined) => (v === undefined ? "–" : `${(v * 100).toFixed(1)} %`);
const perHour = (v: number | undefined) =>
  v === undefined ? "–" : `${Math.round(v).toLocaleString("en")} /h`;

export default function Overview({ kiosk = false }: { kiosk?: boolean }) {
  const status = useShownStatus();
  const [snap, setSnap] = useState<Snapshot | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [feed, setFeed] = useState<FeedItem[]>([]);
  const [generation, setGeneration] = useState(0);

  // A snapshot at every (re)connection and after a `reset`: what was missed while the stream was
  // down is in it; events after the hello update it.
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  useLiveEvent("resync", reload);
  useEffect(() => {
    const ctl = new AbortController();
    loadSnapshot(ctl.signal).then(
      (s) => {
        setSnap(s);
        setError(undefined);
      },
      (err: unknown) => !ctl.signal.aborted && setError((err as Error).message),
    );
    return () => ctl.abort();
  }, [generation]);

  useLiveEvent("instance", (data, id) => {
    const d = data as { instance?: InstanceInfo };
    if (d.instance !== undefined) {
      const i = d.instance;
      setSnap((s) => s && { ...s, services: applyInstance(s.services, i) });
    }
    setFeed((f) => pushFeed(f, feedItem("instance", data, id, Date.now())));
  });
  useLiveEvent("alert", (data, id) => {
    setSnap((s) => s && { ...s, firing: applyAlert(s.firing, data) });
    setFeed((f) => pushFeed(f, feedItem("alert", data, id, Date.now())));
  });
  useLiveEvent("deployment", (data, id) => {
    const d = data as { kind?: string; service?: string };
    if ((d.kind === "started" || d.kind === "finished") && d.service !== undefined) {
      const service = d.service;
      setSnap((s) => {
        if (!s) {
          return s;
        }
        const deploying = new Set(s.deploying);
        if (d.kind === "started") {
          deploying.add(service);
        } else {
          deploying.delete(service);
        }
        return { ...s, deploying };
      });
    }
    if (d.kind === "line.applied") {
      reload(); // services may have come or gone
    }
    setFeed((f) => pushFeed(f, feedItem("deployment", data, id, Date.now())));
  });

  const stationResult = useLiveResult(STATION_STATE);
  const throughput = useLiveResult(THROUGHPUT);
  const oee = useLiveResult(LINE_OEE);
  const stationOee = useLiveResult(STATION_OEE);
  const scrap = useLiveResult(SCRAP_RATIO);

  const states = useMemo(
    () => stationStates(stationResult && !("error" in stationResult) ? (stationResult.head ?? []) : []),
    [stationResult],
  );
  const services = useMemo(
    () => (snap ? snap.services.map((s) => serviceView(s, states, snap.deploying.has(s.name))) : []),
    [snap, states],
  );
  const health = snap ? lineHealth(services) : "unknown";

  // A wall screen is dark unless asked otherwise (?theme=light, or a theme chosen on this browser).
  const { choice, theme } = useTheme();
  const themeParam = new URLSearchParams(window.location.search).get("theme");
  const shown = kiosk
    ? themeParam === "light" || themeParam === "dark"
      ? themeParam
      : choice === "system"
        ? "dark"
        : theme
    : theme;
  useEffect(() => {
    document.body.classList.toggle("kiosk", kiosk);
    const root = document.documentElement;
    const before = root.dataset.theme;
    root.dataset.theme = shown;
    return () => {
      document.body.classList.remove("kiosk");
      if (before !== undefined) {
        root.dataset.theme = before;
      }
    };
  }, [kiosk, shown]);

  return (
    <div className={`overview${kiosk ? " overview-kiosk" : ""}`} data-line-health={health}>
      <div className="overview-title">
        <h1>Line overview</h1>
        {snap && <span className="overview-line">{snap.line}</span>}
        <HealthBadge health={health} prefix="Line" />
        <LiveIndicator status={status} />
        {!kiosk && (
          <Link to="/?kiosk=1" className="kiosk-link">
            Wall screen (kiosk)
          </Link>
        )}
      </div>
      {error !== undefined && (
        <div className="panel error" role="alert">
          <p>The line could not be loaded: {error}</p>
        </div>
      )}
      {snap === undefined && error === undefined && (
        <p className="muted" role="status">
          Loading the line…
        </p>
      )}
      {snap && (
        <>
          <Kpis
            throughput={heads(throughput, "series")}
            oee={heads(oee, "__name__")}
            scrap={heads(scrap, "").get("")}
            firing={snap.firing.size}
          />
          <LineFlow cols={columns(snap.order, services)} stationOee={heads(stationOee, "station")} />
          <div className="overview-grid">
            <ThroughputChart result={throughput} kiosk={kiosk} theme={shown} />
            <ShiftPanel shift={snap.shift} />
            <AlertsPanel firing={[...snap.firing.values()]} />
            <EventFeed feed={feed} />
          </div>
        </>
      )}
    </div>
  );
}

function HealthBadge({ health, prefix }: { health: Health; prefix?: string }) {
  const { label, icon } = HEALTH_LABEL[health];
  return (
    <span className={`health health-${health}`} data-health={health}>
      <span aria-hidden="true" className="health-icon">
        {icon}
      </span>{" "}
      {prefix ? `${prefix}: ` : ""}
      {label}
    </span>
  );
}

function LiveIndicator({ status }: { status: ShownStatus }) {
  const text = status === "open" ? "Live" : status === "connecting" ? "Connecting…" : "Reconnecting…";
  return (
    <span className={`live-status live-${status}`} role="status" data-live={status}>
      <span aria-hidden="true">{status === "open" ? "●" : "↻"}</span> {text}
    </span>
  );
}

function Kpis({
  throughput,
  oee,
  scrap,
  firing,
}: {
  throughput: Map<string, number>;
  oee: Map<string, number>;
  scrap: number | undefined;
  firing: number;
}) {
  const rate = throughput.get("throughput");
  const target = throughput.get("target");
  const share = rate !== undefined && target !== undefined && target > 0 ? rate / target : undefined;
  return (
    <section className="kpis" aria-label="Key figures">
      <div className="kpi" data-kpi="throughput">
        <h2>Throughput</h2>
        <p className="kpi-value">{perHour(rate)}</p>
        <p className="kpi-sub">
          {target === undefined ? (
            "no target set (lineops.yaml shifts.targetUnitsPerHour)"
          ) : (
            <>
              target {perHour(target)} · {pct(share)}
            </>
          )}
        </p>
        {share !== undefined && (
          <meter
            min={0}
            max={1.2}
            low={0.9}
            optimum={1}
            value={Math.min(share, 1.2)}
            aria-label="Throughput against target"
          />
        )}
      </div>
      <div className="kpi" data-kpi="oee">
        <h2>OEE (5 min)</h2>
        <p className="kpi-value">{pct(oee.get("line:oee:ratio_rate5m"))}</p>
        <dl className="kpi-factors">
          <dt>Availability</dt>
          <dd>{pct(oee.get("line:oee_availability:ratio_rate5m"))}</dd>
          <dt>Performance</dt>
          <dd>{pct(oee.get("line:oee_performance:ratio_rate5m"))}</dd>
          <dt>Quality</dt>
          <dd>{pct(oee.get("line:oee_quality:ratio_rate5m"))}</dd>
        </dl>
      </div>
      <div className="kpi" data-kpi="scrap">
        <h2>Scrap ratio (5 min)</h2>
        <p className="kpi-value">{pct(scrap)}</p>
        <p className="kpi-sub">of finished units</p>
      </div>
      <div className="kpi" data-kpi="alerts">
        <h2>Firing alerts</h2>
        <p className="kpi-value">{firing}</p>
        <p className="kpi-sub">incidents come with P10</p>
      </div>
    </section>
  );
}

function LineFlow({ cols, stationOee }: { cols: ServiceView[][]; stationOee: Map<string, number> }) {
  return (
    <section className="line-flow" aria-labelledby="line-flow-title">
      <h2 id="line-flow-title">The line, in dependency order</h2>
      <ol className="flow">
        {cols.map((col, i) => (
          <li key={i} className="flow-col">
            <ul>
              {col.map((s) => (
                <li key={s.name}>
                  <ServiceCard svc={s} stationOee={stationOee} />
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
    </section>
  );
}

function ServiceCard({ svc, stationOee }: { svc: ServiceView; stationOee: Map<string, number> }) {
  return (
    <article className={`service-card state-${svc.health}`} data-service={svc.name} data-health={svc.health}>
      <h3>{svc.name}</h3>
      <HealthBadge health={svc.health} />
      <p className="service-detail">{svc.detail}</p>
      <p className="service-versions">
        {svc.versions.length === 0
          ? "no instance running"
          : svc.versions.map((v) => (
              <span key={v.revision} className="version" title={`revision ${v.revision}`}>
                v{v.version} × {v.count}
              </span>
            ))}
      </p>
      {svc.stations.length > 0 && (
        <ul className="stations" aria-label={`Stations of ${svc.name}`}>
          {svc.stations.map((st) => (
            <li
              key={st.station}
              className={`station state-${st.health}`}
              data-station={st.station}
              data-health={st.health}
            >
              <span className="station-name">Station {st.station}</span>
              <HealthBadge health={st.health} />
              <span className="station-detail">{st.detail}</span>
              {stationOee.has(st.station) && (
                <span className="station-oee">OEE {pct(stationOee.get(st.station))}</span>
              )}
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}

function ThroughputChart({
  result,
  kiosk,
  theme,
}: {
  result: LiveQueryResult | LiveQueryError | undefined;
  kiosk: boolean;
  theme: "light" | "dark";
}) {
  const aligned = useMemo(
    () =>
      result === undefined || "error" in result || result.result.length === 0
        ? undefined
        : alignMatrix(
            // Named "throughput" and "target" in the legend (the label the query sets).
            result.result.map((s) => ({ metric: { __name__: s.metric.series ?? "" }, values: s.values })),
            result.start,
            result.end,
            result.step,
          ),
    [result],
  );
  return (
    <section className="panel" aria-labelledby="throughput-title">
      <h2 id="throughput-title">Throughput against target, last hour (good units per hour)</h2>
      {result !== undefined && "error" in result ? (
        <p className="error-text" role="alert">
          {result.error}
        </p>
      ) : aligned === undefined ? (
        <p className="muted">No units produced in the last hour.</p>
      ) : (
        <Graph aligned={aligned} theme={theme} height={kiosk ? 260 : 200} />
      )}
    </section>
  );
}

function ShiftPanel({ shift }: { shift: ShiftOee | undefined }) {
  const time = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return (
    <section className="panel" aria-labelledby="shift-title">
      <h2 id="shift-title">This shift{shift?.shift ? ` (${shift.shift})` : ""}</h2>
      {shift === undefined ? (
        <p className="muted">No shift data yet (OEE rules and a shift calendar: docs/oee.md).</p>
      ) : (
        <>
          <p className="muted">
            {time(shift.start)}–{time(shift.end)}, as of the last load
          </p>
          <dl className="kpi-factors">
            <dt>OEE</dt>
            <dd>{pct(shift.line.oee)}</dd>
            <dt>Availability</dt>
            <dd>{pct(shift.line.availability)}</dd>
            <dt>Performance</dt>
            <dd>{pct(shift.line.performance)}</dd>
            <dt>Quality</dt>
            <dd>{pct(shift.line.quality)}</dd>
          </dl>
        </>
      )}
    </section>
  );
}

function AlertsPanel({ firing }: { firing: FiringAlert[] }) {
  return (
    <section className="panel" aria-labelledby="alerts-title">
      <h2 id="alerts-title">Active alerts</h2>
      <p className="muted">Firing alerts of lineops&apos;s rules; incidents come with P10.</p>
      {firing.length === 0 ? (
        <p data-alerts="none">No alert is firing.</p>
      ) : (
        <ul className="alert-list">
          {firing.map((a) => (
            <li key={a.key} className={`alert-item sev-${a.labels.severity ?? "none"}`}>
              <strong>{a.labels.alertname}</strong>{" "}
              <span className="badge">{a.labels.severity ?? "no severity"}</span>{" "}
              {a.annotations.summary ?? ""}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function EventFeed({ feed }: { feed: FeedItem[] }) {
  const time = (ms: number) => new Date(ms).toLocaleTimeString();
  return (
    <section className="panel" aria-labelledby="feed-title">
      <h2 id="feed-title">Live events</h2>
      {feed.length === 0 ? (
        <p className="muted">Deployments, alerts and instance changes appear here as they happen.</p>
      ) : (
        <div role="log" aria-label="Live events, newest first">
          <ol className="event-feed">
            {feed.map((f) => (
              <li key={f.key} className={`event sev-${f.severity}`} data-kind={f.kind}>
                <time dateTime={new Date(f.at).toISOString()}>{time(f.at)}</time>{" "}
                <span className="event-kind">{f.kind}</span> {f.text}
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}
