// The dashboard's analytics, as the API and main.ts see them: OEE by shift or day, the downtime
// Pareto, the shift calendar, and the series lineops writes for OEE's recording rules.
export { AnalyticsErrors } from "./errors.js";
export { oeeFactors, pareto, sumTotals, type OeeFactors, type OeeTotals, type ParetoItem } from "./oee.js";
export {
  MAX_RANGE_MS,
  queryDowntime,
  queryOee,
  type AnalyticsScope,
  type DowntimeReport,
  type DowntimeRequest,
  type OeeReport,
  type OeeRequest,
} from "./oee-query.js";
export { registerOeeSeries, stationsOf, type OeeSource, type OeeStation } from "./oee-series.js";
export { ShiftCalendar, type ShiftOccurrence } from "./shift-calendar.js";
export { BURN_WINDOWS, budgetFigures, burnRate, type BudgetFigures, type BurnWindow } from "./slo.js";
export {
  errorRatioExpr,
  type AnalyticsContext,
  objectiveOf,
  querySlo,
  type ServiceSlo,
  type SloReport,
  type SloRequest,
  type SloScope,
} from "./slo-query.js";
