// The figures of one operations report, gathered from the analytics (OEE by shift and by day, the
// downtime Pareto, SLOs: all through the tiered querier), the deployment history (DORA's deployment
// frequency and change failure rate) and the alert rules' own series (top alerts). Alarm KPIs and
// MTTA/MTTR need incidents and acknowledgements, which come with P10: the report says so instead of
// showing a number.
import { dora, type Dora } from "../../deployment/index.js";
import type { MetricsQuerier } from "../../monitoring/index.js";
import type { DeploymentRecord } from "../../store/deployments.js";
import type { RevisionRepository } from "../../store/revisions.js";
import {
  queryDowntime,
  queryOee,
  querySlo,
  type AnalyticsContext,
  type DowntimeReport,
  type OeeReport,
  type SloReport,
} from "../analytics/index.js";
import type { ReportSpan } from "./period.js";

export type ReportSources = {
  analytics: () => AnalyticsContext;
  /**
   * Raw samples, for the alert rules' ALERTS_FOR_STATE: counting activations needs every change of
   * its value, which a tier's window aggregates do not keep.
   */
  rawQuerier: MetricsQuerier;
  deployments: () => DeploymentRecord[];
  revisions: RevisionRepository;
};

export type TopAlert = { alertname: string; activations: number };

export type OperationsReport = {
  title: string;
  line: string;
  timezone: string;
  period: "shift" | "day" | "week";
  shift?: string;
  from: number;
  to: number;
  generatedAt: number;
  oeeByShift: OeeReport;
  oeeByDay: OeeReport;
  downtime: DowntimeReport;
  slo: SloReport;
  deployments: Dora;
  topAlerts: TopAlert[];
  /** Sections that need what another issue brings, each with the sentence the report shows. */
  notYet: { section: string; reason: string }[];
};

export const COMES_WITH_P10 = [
  {
    section: "Alarm KPIs (ISA-18.2)",
    reason: "comes with P10 (incidents and acknowledgements): not computed yet, no number is shown",
  },
  {
    section: "MTTA and MTTR",
    reason: "comes with P10 (incidents and acknowledgements): not computed yet, no number is shown",
  },
];

const TOP_ALERTS = 10;

/**
 * Alert rule activations in [from, to) by alert name: ALERTS_FOR_STATE holds each alert's activeAt,
 * so its distinct values in the range (changes + 1 per series) are the times it went pending.
 */
async function topAlerts(querier: MetricsQuerier, from: number, to: number): Promise<TopAlert[]> {
  const v = await querier.instant(
    `topk(${TOP_ALERTS}, sum by (alertname) (changes(ALERTS_FOR_STATE[${to - from}ms]) + 1))`,
    to,
  );
  if (v.type !== "vector") {
    return [];
  }
  return v.samples
    .filter((s) => Number.isFinite(s.v) && s.labels.alertname !== undefined)
    .map((s) => ({ alertname: s.labels.alertname ?? "", activations: Math.round(s.v) }))
    .sort((a, b) => b.activations - a.activations || a.alertname.localeCompare(b.alertname));
}

export async function gatherReport(
  sources: ReportSources,
  span: ReportSpan,
  period: OperationsReport["period"],
  now: number,
): Promise<OperationsReport> {
  const scope = sources.analytics();
  const range = { fromMs: span.from, toMs: span.to };
  // One after the other: the PromQL engine runs on this event loop either way.
  const oeeByShift = await queryOee(scope, { ...range, by: "shift" });
  const oeeByDay = await queryOee(scope, { ...range, by: "day" });
  const downtime = await queryDowntime(scope, { ...range, by: "reason" });
  const slo = await querySlo(scope, { ...range });
  const alerts = await topAlerts(sources.rawQuerier, span.from, span.to);
  const finishedBefore = sources.deployments().filter((d) => d.createdAt < span.to);
  const deployments = dora(finishedBefore, sources.revisions, span.to, (span.to - span.from) / 86_400_000);
  const what =
    period === "shift" ? `Shift ${span.shift ?? ""}`.trim() : period === "day" ? "Daily" : "Weekly";
  return {
    title: `${what} operations report — line ${scope.line}`,
    line: scope.line,
    timezone: scope.calendar.timezone,
    period,
    ...(span.shift === undefined ? {} : { shift: span.shift }),
    from: span.from,
    to: span.to,
    generatedAt: now,
    oeeByShift,
    oeeByDay,
    downtime,
    slo,
    deployments,
    topAlerts: alerts,
    notYet: COMES_WITH_P10,
  };
}
