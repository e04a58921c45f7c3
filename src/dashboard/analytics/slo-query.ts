// Availability and error budget per service over the objective's window, and burn rates over the
// workbook's windows, from lineops's own front-door counter (lineops_router_requests_total: every
// request through a service's front door, by status code). The error ratio is the expression the
// shipped recording rules service:router_request_errors:ratio_rate<W> use, so the page, the report
// and the ErrorBudgetBurn alert read the same number. Read through the tiered querier: a 30-day
// `increase` comes from the downsampled tiers (docs/monitoring.md).
import type { SloConfig } from "../../config/slo-schema.js";
import type { MetricsQuerier, QueryValue } from "../../monitoring/index.js";
import { AnalyticsErrors } from "./errors.js";
import type { AnalyticsScope } from "./oee-query.js";
import { BURN_WINDOWS, budgetFigures, burnRate, type BudgetFigures, type BurnWindow } from "./slo.js";

export type SloScope = {
  /** The tiered querier (MonitoringEngine.tieredQuerier). */
  querier: MetricsQuerier;
  slo: SloConfig;
  /** The line's services: each has an objective even before its first request. */
  services: readonly string[];
};

/** What the analytics API reads: OEE's scope and the SLOs' (one tiered querier for both). */
export type AnalyticsContext = AnalyticsScope & Omit<SloScope, "querier">;

export type SloRequest = {
  /** The end of the window; burn rates are the rates up to it. */
  toMs: number;
  /** The start of the window; default: the objective's window before `toMs`. */
  fromMs?: number;
  service?: string;
};

export type ServiceSlo = {
  service: string;
  /** Percent, e.g. 99.5. */
  objective: number;
  burnRates: {
    window: BurnWindow["window"];
    threshold: number;
    action: BurnWindow["action"];
    rate: number | null;
  }[];
  /** A burn rate at or above its threshold over its window (the long half of the workbook's alert). */
  burning: boolean;
} & BudgetFigures;

export type SloReport = {
  from: number;
  to: number;
  windowSeconds: number;
  indicator: string;
  services: ServiceSlo[];
};

const COUNTER = "lineops_router_requests_total";
/** The longest window one request may cover (the config allows up to 90 d). */
const MAX_WINDOW_MS = 90 * 86_400_000;

/** The counter's selector, optionally for one service, optionally only its 5xx answers. */
function counter(service: string | undefined, errorsOnly: boolean): string {
  const matchers = [
    ...(service === undefined ? [] : [`service=${JSON.stringify(service)}`]),
    ...(errorsOnly ? ['code=~"5.."'] : []),
  ];
  return matchers.length === 0 ? COUNTER : `${COUNTER}{${matchers.join(",")}}`;
}

/**
 * 5xx answers over all answers in `window`, per service: the expression of the recording rules
 * service:router_request_errors:ratio_rate<window>. `or … * 0` makes a service with traffic and no
 * 5xx a 0 instead of no series.
 */
export function errorRatioExpr(window: string, service?: string): string {
  const all = counter(service, false);
  const bad = counter(service, true);
  return (
    `(sum by (service) (rate(${bad}[${window}]))` +
    ` or sum by (service) (rate(${all}[${window}])) * 0)` +
    ` / sum by (service) (rate(${all}[${window}]))`
  );
}

export function objectiveOf(slo: SloConfig, service: string): number {
  return slo.services[service]?.objective ?? slo.objective;
}

function byService(v: QueryValue): Map<string, number> {
  const out = new Map<string, number>();
  if (v.type === "vector") {
    for (const s of v.samples) {
      if (s.labels.service !== undefined && Number.isFinite(s.v)) {
        out.set(s.labels.service, s.v);
      }
    }
  }
  return out;
}

export async function querySlo(scope: SloScope, r: SloRequest): Promise<SloReport> {
  const fromMs = r.fromMs ?? r.toMs - scope.slo.window;
  if (!(r.toMs > fromMs)) {
    throw AnalyticsErrors.badRange("the range is empty: to must be after from");
  }
  if (r.toMs - fromMs > MAX_WINDOW_MS) {
    throw AnalyticsErrors.badRange(`from: the window is longer than ${MAX_WINDOW_MS / 86_400_000} days`);
  }
  const range = `[${r.toMs - fromMs}ms]`;
  const q = (expr: string) => scope.querier.instant(expr, r.toMs).then(byService);
  const [requests, errors, ...ratios] = await Promise.all([
    q(`sum by (service) (increase(${counter(r.service, false)}${range}))`),
    q(`sum by (service) (increase(${counter(r.service, true)}${range}))`),
    ...BURN_WINDOWS.map((w) => q(errorRatioExpr(w.window, r.service))),
  ]);
  const names = new Set([...scope.services, ...requests.keys()]);
  const services = [...names]
    .filter((s) => r.service === undefined || s === r.service)
    .sort()
    .map((service): ServiceSlo => {
      const objective = objectiveOf(scope.slo, service);
      const burnRates = BURN_WINDOWS.map((w, i) => ({
        window: w.window,
        threshold: w.threshold,
        action: w.action,
        rate: burnRate(objective, ratios[i]?.get(service) ?? null),
      }));
      return {
        service,
        objective,
        ...budgetFigures(objective, requests.get(service) ?? 0, errors.get(service) ?? 0),
        burnRates,
        burning: burnRates.some((b) => b.rate !== null && b.rate >= b.threshold),
      };
    });
  return {
    from: fromMs,
    to: r.toMs,
    windowSeconds: (r.toMs - fromMs) / 1000,
    indicator: `requests through the service's front door answered without a 5xx (${COUNTER})`,
    services,
  };
}
