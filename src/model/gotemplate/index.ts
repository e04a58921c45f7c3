// Go text/template for Prometheus rule templates and Alertmanager notification templates: parse,
// execute with Go's semantics, Prometheus's template functions and alert data.
export { TemplateError, ArgumentError, TEMPLATE_ERROR_CODES } from "./errors.js";
export {
  Template,
  parseTemplate,
  DEFAULT_MAX_OUTPUT_BYTES,
  DEFAULT_MAX_STEPS,
  DEFAULT_TIMEOUT_MS,
  type ExecuteOptions,
  type ParseOptions,
  type TemplateFunction,
} from "./template.js";
export {
  ALERT_TEMPLATE_PREFIX,
  PROMETHEUS_FUNCTION_NAMES,
  alertTemplateData,
  expandAlertTemplate,
  parseAlertTemplate,
  prometheusFuncs,
  templateQuery,
  type AlertTemplateInput,
  type PrometheusFuncsOptions,
  type QueryFunction,
  type QuerySample,
} from "./prometheus.js";
export { GoStruct, stringMap } from "./values.js";
export { sprintf } from "./fmt.js";
export { formatFloat } from "./gofloat.js";
