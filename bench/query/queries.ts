// The 20 representative PromQL queries of the benchmark, over the series of ./data.ts: aggregation,
// rate family, histograms, subqueries, prediction, label functions, vector matching, set operators.

export type BenchQuery = {
  name: string;
  expr: string;
  /**
   * The same question for a Prometheus 2.x peer, where it differs. lineops follows 3.x, whose ranges are
   * left-open: a subquery's inner steps are aligned to its step, so its range start (t - 1h) falls on
   * an inner step, which 2.x includes and 3.x leaves out. Shortening the range by 1 ms asks 2.x for
   * exactly 3.x's (t - 1h, t]; the data's own samples are never on whole seconds, so other ranges agree as is.
   */
  prometheus2Expr?: string;
};

export const QUERIES: readonly BenchQuery[] = [
  { name: "sum_rate_by_job", expr: "sum by (job) (rate(http_requests_total[5m]))" },
  {
    name: "histogram_quantile_p99",
    expr: "histogram_quantile(0.99, sum by (le) (rate(request_duration_seconds_bucket[5m])))",
  },
  { name: "topk_instances", expr: "topk(5, sum by (instance) (rate(http_requests_total[5m])))" },
  {
    name: "subquery_max_rate",
    expr: 'max_over_time(rate(http_requests_total{code="500"}[5m])[1h:1m])',
    prometheus2Expr: 'max_over_time(rate(http_requests_total{code="500"}[5m])[59m59s999ms:1m])',
  },
  { name: "predict_linear", expr: 'predict_linear(cpu_usage{mode="user"}[1h], 3600)' },
  {
    name: "label_replace",
    expr: 'label_replace(sum by (instance) (rate(http_requests_total[5m])), "host", "$1", "instance", "([^:]+):.*")',
  },
  {
    name: "group_left",
    expr: 'rate(http_requests_total{method="GET"}[5m]) * on (instance) group_left (mode) cpu_usage{mode="user"}',
  },
  { name: "count_values", expr: 'count_values("bucket", round(cpu_usage{mode="idle"} / 10))' },
  { name: "quantile_over_time", expr: "quantile_over_time(0.9, cycle_time_seconds[10m])" },
  { name: "avg_over_time", expr: "avg_over_time(cpu_usage[10m])" },
  { name: "increase", expr: "increase(units_produced_total[1h])" },
  { name: "irate", expr: 'irate(http_requests_total{method="GET"}[5m])' },
  { name: "deriv", expr: 'deriv(cpu_usage{mode="system"}[10m])' },
  { name: "absent", expr: 'absent(nonexistent_metric{job="line-controller"})' },
  { name: "sum_without", expr: "sum without (instance, code) (rate(http_requests_total[5m]))" },
  { name: "stddev_by", expr: "stddev by (job) (rate(http_requests_total[5m]))" },
  { name: "count_by", expr: "count by (job, code) (http_requests_total)" },
  {
    name: "set_ops",
    expr:
      'sum by (instance) (rate(http_requests_total{code="500"}[5m])) > 0.2' +
      ' or sum by (instance) (rate(http_requests_total{code="404"}[5m])) > 0.5' +
      ' unless on (instance) cpu_usage{mode="idle"} < 30',
  },
  { name: "compare_bool", expr: 'cpu_usage{mode="user"} > bool 50' },
  {
    name: "math",
    expr:
      'clamp(abs(cpu_usage{mode="user"} - 50) / 10, 0.5, 3)' +
      ' + ignoring (mode) ln(cpu_usage{mode="idle"} + 1) - ignoring (mode) sqrt(cpu_usage{mode="system"})' +
      ' * ignoring (mode) exp(cpu_usage{mode="iowait"} / -10)',
  },
];

/** The expression to send a Prometheus peer of the given version ("2.53.3+ds1", "3.1.0"). */
export function exprFor(q: BenchQuery, prometheusVersion: string): string {
  return prometheusVersion.startsWith("2.") && q.prometheus2Expr ? q.prometheus2Expr : q.expr;
}
