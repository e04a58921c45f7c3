// An operations report as tables: the one layout both the HTML and the CSV renderings write, so
// they never disagree. Columns carry their kind; each rendering formats values its own way (the
// HTML for people, the CSV raw for spreadsheets).
import { formatLocal } from "../../model/zone.js";
import type { OeeReport } from "../analytics/index.js";
import type { OperationsReport } from "./gather.js";

export type ColumnKind = "text" | "ratio" | "seconds" | "count" | "time" | "rate";
export type Column = { title: string; kind: ColumnKind };
export type Cell = string | number | null;
export type ReportTable = { id: string; title: string; columns: Column[]; rows: Cell[][]; empty: string };

const col = (title: string, kind: ColumnKind): Column => ({ title, kind });

function oeeTable(id: string, title: string, r: OeeReport, label: Column): ReportTable {
  return {
    id,
    title,
    columns: [
      col("Start", "time"),
      label,
      col("Planned", "seconds"),
      col("Availability", "ratio"),
      col("Performance", "ratio"),
      col("Quality", "ratio"),
      col("OEE", "ratio"),
      col("Good units", "count"),
      col("Units", "count"),
    ],
    rows: r.buckets.map((b) => [
      b.start,
      r.by === "shift" ? (b.shift ?? "") : formatLocal(b.start, r.timezone).slice(0, 10),
      b.plannedSeconds,
      b.line.availability,
      b.line.performance,
      b.line.quality,
      b.line.oee,
      b.line.goodUnits,
      b.line.totalUnits,
    ]),
    empty: "No planned production time in this period.",
  };
}

export function reportTables(r: OperationsReport): ReportTable[] {
  const d = r.deployments;
  return [
    oeeTable("oee-shift", "OEE by shift (line)", r.oeeByShift, col("Shift", "text")),
    oeeTable("oee-day", "OEE by day (line)", r.oeeByDay, col("Day", "text")),
    {
      id: "oee-stations",
      title: "OEE by station (whole period)",
      columns: [
        col("Station", "text"),
        col("Availability", "ratio"),
        col("Performance", "ratio"),
        col("Quality", "ratio"),
        col("OEE", "ratio"),
      ],
      rows: r.oeeByDay.total.stations.map((s) => [
        s.station,
        s.availability,
        s.performance,
        s.quality,
        s.oee,
      ]),
      empty: "No station reported in this period.",
    },
    {
      id: "downtime",
      title: "Downtime Pareto (planned time)",
      columns: [
        col("Reason", "text"),
        col("Downtime", "seconds"),
        col("Share", "ratio"),
        col("Cumulative", "ratio"),
      ],
      rows: r.downtime.items.map((i) => [i.reason, i.seconds, i.share, i.cumulativeShare]),
      empty: "No downtime in planned time.",
    },
    {
      id: "slo",
      title: "Availability and SLO per service",
      columns: [
        col("Service", "text"),
        col("Objective", "ratio"),
        col("Availability", "ratio"),
        col("Requests", "count"),
        col("Errors (5xx)", "count"),
        col("Error budget left", "ratio"),
        col("Burn 1h", "rate"),
        col("Burn 6h", "rate"),
        col("Burn 3d", "rate"),
      ],
      rows: r.slo.services.map((s) => [
        s.service,
        s.objective / 100,
        s.availability,
        s.requests,
        s.errors,
        s.budgetRemaining,
        ...s.burnRates.map((b) => b.rate),
      ]),
      empty: "No services.",
    },
    {
      id: "deployments",
      title: "Deployments",
      columns: [
        col("Deployments", "count"),
        col("Per day (succeeded)", "rate"),
        col("Change failure rate", "ratio"),
        col("Lead time (median)", "seconds"),
        col("Time to restore (median)", "seconds"),
      ],
      rows: [
        [
          d.deployments,
          d.deploymentsPerDay,
          d.changeFailureRate,
          d.leadTimeSecondsMedian,
          d.timeToRestoreSecondsMedian,
        ],
      ],
      empty: "",
    },
    {
      id: "alerts",
      title: "Top alerts by activations",
      columns: [col("Alert", "text"), col("Activations", "count")],
      rows: r.topAlerts.map((a) => [a.alertname, a.activations]),
      empty: "No alert rule went off in this period.",
    },
    {
      id: "pending",
      title: "Not in this report yet",
      columns: [col("Section", "text"), col("Status", "text")],
      rows: r.notYet.map((n) => [n.section, n.reason]),
      empty: "",
    },
  ];
}
