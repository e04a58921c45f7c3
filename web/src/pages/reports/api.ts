// The Reports page's calls: SLOs per service, the operations report (JSON to preview; HTML, CSV and
// PDF as download links), report schedules (operators change them) and the generated files.
import { api, apiUrl } from "../../api/client.js";

export type BurnRate = {
  window: "1h" | "6h" | "3d";
  threshold: number;
  action: "page" | "ticket";
  rate: number | null;
};
export type ServiceSlo = {
  service: string;
  objective: number;
  requests: number;
  errors: number;
  availability: number | null;
  budgetRemaining: number;
  burnRates: BurnRate[];
  burning: boolean;
};
export type SloReport = {
  from: number;
  to: number;
  windowSeconds: number;
  indicator: string;
  services: ServiceSlo[];
};

export type Period = "shift" | "day" | "week";
export type Format = "html" | "csv" | "pdf";
export type ReportQuery = { period: Period; shift?: string };

export type ReportSummary = {
  title: string;
  from: number;
  to: number;
  timezone: string;
  oeeByDay: { total: { line: { oee: number | null; availability: number | null } } };
  downtime: { downtimeSeconds: number };
  deployments: { deployments: number; changeFailureRate: number | null };
  topAlerts: { alertname: string; activations: number }[];
  notYet: { section: string; reason: string }[];
};

export type ScheduleSpec =
  | { name: string; period: "shift"; shift?: string; formats: Format[] }
  | { name: string; period: "day"; at: string; formats: Format[] }
  | { name: string; period: "week"; weekday: string; at: string; formats: Format[] };
export type Schedule = ScheduleSpec & {
  id: string;
  createdAt: number;
  createdBy: string;
  lastDueAt?: number;
  nextDueAt: number | null;
};
export type ReportFile = {
  id: string;
  title: string;
  format: Format;
  fromMs: number;
  toMs: number;
  bytes: number;
  createdAt: number;
};

export const getSlo = (signal?: AbortSignal) =>
  api<SloReport>("/api/v1/analytics/slo", signal ? { signal } : {});

const query = (q: ReportQuery) => ({ period: q.period, shift: q.shift === "" ? undefined : q.shift });

export const getReport = (q: ReportQuery, signal?: AbortSignal) =>
  api<ReportSummary>("/api/v1/reports/operations", {
    query: query(q),
    timeoutMs: 60_000,
    ...(signal ? { signal } : {}),
  });

/** A same-origin link: the session cookie authenticates the download (a GET needs no CSRF token). */
export const reportUrl = (q: ReportQuery, format: Format) =>
  apiUrl("/api/v1/reports/operations", { ...query(q), format });

export const fileUrl = (id: string) => `/api/v1/reports/files/${encodeURIComponent(id)}`;

export const getSchedules = (signal?: AbortSignal) =>
  api<{ schedules: Schedule[]; pdfAvailable: boolean }>(
    "/api/v1/reports/schedules",
    signal ? { signal } : {},
  );

export const addSchedule = (spec: ScheduleSpec) =>
  api<Schedule>("/api/v1/reports/schedules", { method: "POST", body: spec });

export const deleteSchedule = (id: string) =>
  api<unknown>(`/api/v1/reports/schedules/${encodeURIComponent(id)}`, { method: "DELETE", envelope: false });

export const getFiles = (signal?: AbortSignal) =>
  api<{ files: ReportFile[] }>("/api/v1/reports/files", signal ? { signal } : {});
