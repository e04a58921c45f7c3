// ISA-18.2 / EEMUA 191 alarm management over the alerting engine's alerts (docs/alarms.md).
export { alarmConfigOf, alarmConfigSchema, type AlarmConfig, type AlarmConfigInput } from "./config.js";
export { positionOf, priorityOf, type LineStateSample } from "./classify.js";
export { alarmKpi, alarmKpiCsv, PRIORITY_TARGET, type AlarmKpiReport } from "./kpi.js";
export {
  AlarmErrors,
  AlarmManager,
  type AlarmAlert,
  type AlarmState,
  type AlarmView,
  type FloodStatus,
  type ShelveRequest,
} from "./manager.js";
export {
  lineStatesFromQuerier,
  type AcknowledgementSource,
  type AlarmAuditSink,
  type FloodSummary,
  type FloodSummarySink,
  type LineStateSource,
} from "./ports.js";
