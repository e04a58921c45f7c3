// Error-budget arithmetic of an availability objective: availability from good and total requests,
// the share of the budget left, and burn rates. A burn rate of 1 spends exactly the budget over the
// objective's window; the windows and thresholds are the Google SRE workbook's multi-window,
// multi-burn-rate alerts ("Alerting on SLOs", for a 30-day objective): 2 % of the budget in 1 h
// (14.4), 5 % in 6 h (6) page, 10 % in 3 d (1) is a ticket.

export type BurnWindow = {
  /** The long window, as PromQL writes it. */
  window: "1h" | "6h" | "3d";
  ms: number;
  /** The short window the workbook pairs it with (it makes the alert resolve soon after a burn stops). */
  shortWindow: "5m" | "30m" | "6h";
  /** The burn rate at which the workbook alerts on this window. */
  threshold: number;
  /** The share of a 30-day budget spent at the threshold over the window. */
  budgetShare: number;
  action: "page" | "ticket";
};

const HOUR_MS = 3_600_000;

export const BURN_WINDOWS: readonly BurnWindow[] = [
  { window: "1h", ms: HOUR_MS, shortWindow: "5m", threshold: 14.4, budgetShare: 0.02, action: "page" },
  { window: "6h", ms: 6 * HOUR_MS, shortWindow: "30m", threshold: 6, budgetShare: 0.05, action: "page" },
  { window: "3d", ms: 72 * HOUR_MS, shortWindow: "6h", threshold: 1, budgetShare: 0.1, action: "ticket" },
];

/** The burn rate that spends `budgetShare` of a `budgetWindowMs` budget in `windowMs`. */
export function burnThreshold(budgetShare: number, budgetWindowMs: number, windowMs: number): number {
  return (budgetShare * budgetWindowMs) / windowMs;
}

export type BudgetFigures = {
  requests: number;
  errors: number;
  /** Good requests over all requests; null without requests. */
  availability: number | null;
  /** The errors the objective allows over these requests. */
  allowedErrors: number;
  /** 1 − errors / allowed errors: 1 untouched, 0 spent, below 0 overspent. Without requests, 1. */
  budgetRemaining: number;
};

/** `objectivePercent` is e.g. 99.5; errors are clamped into [0, requests] (counter resets, tiers). */
export function budgetFigures(objectivePercent: number, requests: number, errors: number): BudgetFigures {
  const total = Math.max(0, requests);
  const bad = Math.min(Math.max(0, errors), total);
  const allowedErrors = total * (1 - objectivePercent / 100);
  return {
    requests: total,
    errors: bad,
    availability: total > 0 ? 1 - bad / total : null,
    allowedErrors,
    budgetRemaining: total > 0 ? 1 - bad / allowedErrors : 1,
  };
}

/** How many times faster than allowed the budget burns at `errorRatio`; null without a ratio. */
export function burnRate(objectivePercent: number, errorRatio: number | null): number | null {
  return errorRatio === null ? null : errorRatio / (1 - objectivePercent / 100);
}
