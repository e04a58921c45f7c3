// The pages of the dashboard (P9, issue #14): the header's navigation and the router's table.
// A page not built yet names the issue that brings it; it never shows made-up data.

export type PageId =
  | "overview"
  | "services"
  | "deployments"
  | "explore"
  | "alerts"
  | "infrastructure"
  | "dashboards"
  | "reports";

export type PageDef = {
  id: PageId;
  path: string;
  title: string;
  /** What the page is for, one line (shown on the not-built panel and in docs/dashboard.md). */
  purpose: string;
  /** Undefined when built; otherwise the issue(s) that bring it. */
  comesWith?: string;
};

export const PAGES: readonly PageDef[] = [
  {
    id: "overview",
    path: "/",
    title: "Line overview",
    purpose:
      "The line as a flow of stations with state colours, throughput against target, OEE and its three factors, scrap ratio, active incidents, running versions and a live event feed.",
  },
  {
    id: "services",
    path: "/services",
    title: "Services",
    purpose:
      "Instances, health, revisions, router weights and backends, resource use and a log tail per service.",
  },
  {
    id: "deployments",
    path: "/deployments",
    title: "Deployments",
    purpose:
      "Live rollout progress with analysis charts of baseline against canary, promote / pause / abort / rollback, history with spec diffs, DORA metrics.",
  },
  {
    id: "explore",
    path: "/explore",
    title: "Explore",
    purpose: "PromQL against lineops's own API: autocomplete, graph and table, time range and step.",
  },
  {
    id: "alerts",
    path: "/alerts",
    title: "Alerts & incidents",
    purpose:
      "Filters, incident timelines with delivery receipts, acknowledge / resolve / snooze / silence / shelve, and the ISA-18.2 alarm KPIs.",
  },
  {
    id: "infrastructure",
    path: "/infrastructure",
    title: "Infrastructure",
    purpose:
      "Host resources, forecasts (\u201cdisk full in N days\u201d), autoscaler decisions and right-sizing.",
  },
  {
    id: "dashboards",
    path: "/dashboards",
    title: "Dashboards",
    purpose:
      "User dashboards stored as JSON or YAML with template variables, annotations and auto-refresh; Grafana dashboard import.",
  },
  {
    id: "reports",
    path: "/reports",
    title: "Reports",
    purpose:
      "Availability and SLOs per service with error-budget burn; operations reports per shift, day or week as HTML, CSV and PDF, on request and on schedules.",
  },
];

export const SIGN_IN_PATH = "/sign-in";

export function pageAt(pathname: string): PageDef | undefined {
  return PAGES.find((p) => p.path === pathname);
}
