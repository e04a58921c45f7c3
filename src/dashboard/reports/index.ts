// Operations reports: figures, renderings (HTML, CSV, PDF) and schedules (docs/reports.md).
export { ReportErrors } from "./errors.js";
export {
  COMES_WITH_P10,
  gatherReport,
  type OperationsReport,
  type ReportSources,
  type TopAlert,
} from "./gather.js";
export {
  dueRuns,
  MAX_REPORT_RANGE_MS,
  nextRun,
  REPORT_FORMATS,
  reportSpan,
  scheduleSpecSchema,
  WEEKDAYS,
  type PeriodRequest,
  type ReportFormat,
  type ReportSpan,
  type ScheduleSpec,
} from "./period.js";
export { csvField, renderCsv } from "./render-csv.js";
export { escapeHtml, renderHtml, REPORT_CSP } from "./render-html.js";
export { DEFAULT_CHROMIUM, PdfRenderer, type PdfRendererOptions } from "./render-pdf.js";
export {
  ReportService,
  type RenderedReport,
  type ReportServiceOptions,
  type ScheduleView,
} from "./service.js";
