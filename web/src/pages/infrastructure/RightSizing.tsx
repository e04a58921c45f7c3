// The Infrastructure page's right-sizing and capacity panels: per service, the VPA recommender's
// target and bounds of CPU and memory against line.yaml's `resources` with a verdict and the
// history it rests on; this host's requests against allocatable; and how many nodes of a size N
// lines need (first-fit and best-fit decreasing). Read again when a deployment changes the line.
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { useLiveReload } from "../../api/live.js";
import {
  fetchCapacity,
  fetchRecommendations,
  type CapacityReport,
  type Headroom,
  type RecommendationReport,
  type ServiceRecommendation,
  type Verdict,
} from "./api.js";
import { formatBytes, formatCores, formatPercent } from "./format.js";

const VERDICT_TEXT: Record<Verdict, string> = {
  "under-provisioned": "under-provisioned",
  "over-provisioned": "over-provisioned",
  ok: "within bounds",
  undeclared: "no request declared",
  "no-data": "collecting data",
};
/** The state colours the other tables use: starving is a failure, waste a warning. */
const VERDICT_STATE: Record<Verdict, string> = {
  "under-provisioned": "failed",
  "over-provisioned": "backoff",
  ok: "ready",
  undeclared: "stopped",
  "no-data": "stopped",
};

const cores = (v: number | undefined) => (v === undefined ? "—" : formatCores(v));
const bytes = (v: number | undefined) => (v === undefined ? "—" : formatBytes(v));

/** Recommendations rest on a week of history: re-read on the page's refreshes at most this often. */
const RELOAD_MS = 60_000;

/** `refresh` changes when the page re-read its summary (driven by the live stream). */
export function RightSizingPanel({ refresh }: { refresh?: number }) {
  const [report, setReport] = useState<{ data?: RecommendationReport; error?: string }>({});
  const inflight = useRef<AbortController | undefined>(undefined);
  const reload = useCallback(() => {
    inflight.current?.abort();
    const ac = new AbortController();
    inflight.current = ac;
    fetchRecommendations(ac.signal).then(
      (data) => setReport({ data }),
      (err: unknown) => {
        if (!ac.signal.aborted) {
          setReport((r) => ({ ...r, error: (err as Error).message }));
        }
      },
    );
  }, []);
  useEffect(() => {
    reload();
    return () => inflight.current?.abort();
  }, [reload]);
  useLiveReload(["deployment"], reload);
  const lastRead = useRef(Date.now());
  useEffect(() => {
    if (refresh !== undefined && Date.now() - lastRead.current >= RELOAD_MS) {
      lastRead.current = Date.now();
      reload();
    }
  }, [refresh, reload]);

  return (
    <section className="panel" aria-labelledby="infra-rightsizing-title">
      <h2 id="infra-rightsizing-title">Right-sizing</h2>
      <p className="muted">
        Requests per service the way the Kubernetes VPA recommender derives them: CPU from usage samples and
        memory from daily peaks per instance, in histograms whose weight halves every 24 h; target at the 90th
        percentile, bounds at the 50th and 95th, each +15 %, the bounds wider while history is short. A
        declared <code>resources</code> value below the lower bound is under-provisioned, above the upper
        bound over-provisioned.
      </p>
      {report.error !== undefined && (
        <p className="error" role="alert">
          Recommendations could not be read: {report.error}
        </p>
      )}
      {report.data === undefined ? (
        report.error === undefined && (
          <p className="muted" role="status">
            Loading recommendations…
          </p>
        )
      ) : report.data.services.length === 0 ? (
        <p className="muted">The line has no services.</p>
      ) : (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Right-sizing recommendations">
          <table className="result-table infra-rightsizing">
            <thead>
              <tr>
                <th scope="col">Service</th>
                <th scope="col">Resource</th>
                <th scope="col" className="num">
                  Declared
                </th>
                <th scope="col" className="num">
                  Target
                </th>
                <th scope="col" className="num">
                  Lower – upper bound
                </th>
                <th scope="col">Verdict</th>
                <th scope="col">Evidence</th>
              </tr>
            </thead>
            <tbody>
              {report.data.services.flatMap((s) => [
                <RecommendationRow key={`${s.service}-cpu`} s={s} resource="cpu" />,
                <RecommendationRow key={`${s.service}-memory`} s={s} resource="memory" />,
              ])}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function RecommendationRow({ s, resource }: { s: ServiceRecommendation; resource: "cpu" | "memory" }) {
  const k = resource === "cpu" ? "cpuCores" : "memoryBytes";
  const fmt = resource === "cpu" ? cores : bytes;
  const v = s[resource];
  const e = s.evidence;
  return (
    <tr>
      {resource === "cpu" ? (
        <th scope="rowgroup" rowSpan={2}>
          {s.service}
        </th>
      ) : null}
      <td>{resource === "cpu" ? "CPU" : "memory"}</td>
      <td className="num">{fmt(s.declared[k])}</td>
      <td className="num">{fmt(s.target?.[k])}</td>
      <td className="num">
        {s.lowerBound === undefined || s.upperBound === undefined
          ? "—"
          : `${fmt(s.lowerBound[k])} – ${fmt(s.upperBound[k])}`}
      </td>
      <td>
        <span className={`state state-${VERDICT_STATE[v]}`}>{VERDICT_TEXT[v]}</span>
        {s.problem !== undefined && resource === "cpu" && <div className="error">{s.problem}</div>}
      </td>
      <td className="muted">
        {resource === "cpu"
          ? `${e.cpuSamples} samples of ${e.instances} instance${e.instances === 1 ? "" : "s"}, ${e.confidenceDays.toFixed(1)} days`
          : `${e.memoryPeaks} daily peak${e.memoryPeaks === 1 ? "" : "s"}`}
      </td>
    </tr>
  );
}

export function CapacityPanel() {
  const [form, setForm] = useState({ lines: "1", nodeCpu: "", nodeMemory: "" });
  const [report, setReport] = useState<{ data?: CapacityReport; error?: string; busy?: boolean }>({});
  const inflight = useRef<AbortController | undefined>(undefined);
  const run = useCallback((q: typeof form) => {
    inflight.current?.abort();
    const ac = new AbortController();
    inflight.current = ac;
    setReport((r) => ({ ...r, busy: true }));
    fetchCapacity(q, ac.signal).then(
      (data) => setReport({ data }),
      (err: unknown) => {
        if (!ac.signal.aborted) {
          setReport((r) => ({ ...r, busy: false, error: (err as Error).message }));
        }
      },
    );
  }, []);
  useEffect(() => {
    run({ lines: "1", nodeCpu: "", nodeMemory: "" });
    return () => inflight.current?.abort();
  }, [run]);
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    run(form);
  };
  const d = report.data;
  const p = d?.packing;
  return (
    <section className="panel" aria-labelledby="infra-capacity-title">
      <h2 id="infra-capacity-title">Capacity</h2>
      {d !== undefined && (
        <dl className="svc-facts infra-capacity">
          <HeadroomFact label="CPU requested" h={d.host.cpu} fmt={formatCores} />
          <HeadroomFact label="Memory requested" h={d.host.memory} fmt={formatBytes} />
        </dl>
      )}
      <form className="infra-capacity-form" onSubmit={submit} aria-label="Packing simulation">
        <label>
          Lines
          <input
            type="number"
            min={1}
            max={100}
            value={form.lines}
            onChange={(e) => setForm({ ...form, lines: e.target.value })}
          />
        </label>
        <label>
          Node CPU
          <input
            placeholder="this host's"
            value={form.nodeCpu}
            onChange={(e) => setForm({ ...form, nodeCpu: e.target.value })}
            aria-describedby="infra-capacity-hint"
          />
        </label>
        <label>
          Node memory
          <input
            placeholder="this host's"
            value={form.nodeMemory}
            onChange={(e) => setForm({ ...form, nodeMemory: e.target.value })}
            aria-describedby="infra-capacity-hint"
          />
        </label>
        <button type="submit" disabled={report.busy === true}>
          Simulate
        </button>
        <p id="infra-capacity-hint" className="muted">
          CPU in cores (4) or millicores (3500m), memory in bytes or with Ki/Mi/Gi (16Gi). A planning estimate
          for Kubernetes nodes: lineops does not place instances on other hosts.
        </p>
      </form>
      {report.error !== undefined && (
        <p className="error" role="alert">
          Capacity could not be computed: {report.error}
        </p>
      )}
      {d?.packingProblem !== undefined && <p className="muted">{d.packingProblem}</p>}
      {p !== undefined && (
        <div role="status" className="infra-packing">
          <p>
            <strong>
              {p.lines} line{p.lines === 1 ? "" : "s"} ({p.instances} instances) need {p.firstFit.nodeCount}{" "}
              node
              {p.firstFit.nodeCount === 1 ? "" : "s"} of {formatCores(p.node.cpuCores)} CPU and{" "}
              {formatBytes(p.node.memoryBytes)}
            </strong>{" "}
            ({p.nodeSource === "host" ? "this host's size" : "the size given"}): first-fit decreasing{" "}
            {p.firstFit.nodeCount}, best-fit decreasing {p.bestFit.nodeCount}, at least{" "}
            {p.firstFit.lowerBound} by volume.
          </p>
          {p.firstFit.unplaceable.length > 0 && (
            <p className="warning">Larger than a node: {p.firstFit.unplaceable.join(", ")}</p>
          )}
          {p.missing.length > 0 && (
            <p className="muted">
              Left out (no request declared, no recommendation yet): {p.missing.join(", ")}
            </p>
          )}
        </div>
      )}
    </section>
  );
}

function HeadroomFact({ label, h, fmt }: { label: string; h: Headroom; fmt: (v: number) => string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>
        {fmt(h.requested)}
        {h.allocatable !== undefined && (
          <span className="muted">
            {" "}
            of {fmt(h.allocatable)} ({formatPercent(h.ratio)})
          </span>
        )}
        {h.free !== undefined && h.free < 0 && <span className="state state-failed"> overcommitted</span>}
      </dd>
    </div>
  );
}
