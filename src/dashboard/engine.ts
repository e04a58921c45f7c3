// OperationsDashboardEngine: what the web dashboard needs of lineops beyond the other engines' own
// APIs: live updates (live/: one Server-Sent Events stream per browser with deployment, alert and
// instance events and subscribed queries) and user dashboards (dashboards/: stored, provisioned
// from files, imported from Grafana). Analytics (analytics/) are stateless functions over a scope.
import type { DashboardRepository } from "../store/dashboards.js";
import { dashboardSeriesIndex, type SeriesSource } from "./dashboards/series-index.js";
import { DashboardService, type ProvisionedDashboard } from "./dashboards/service.js";
import { LiveService, type LiveOptions } from "./live/live.js";

export type DashboardEngineOptions = Omit<LiveOptions, "monitoring"> & {
  monitoring: LiveOptions["monitoring"] & SeriesSource;
  /** Where user dashboards are stored. */
  dashboards: DashboardRepository;
  /** Dashboards provisioned from lineops.yaml's dashboard_files (read-only through the API). */
  provisioned?: readonly ProvisionedDashboard[];
};

export class DashboardEngine {
  readonly live: LiveService;
  readonly dashboards: DashboardService;

  constructor(o: DashboardEngineOptions) {
    this.live = new LiveService(o);
    // Variable queries read monitoring's series index and PromQL.
    this.dashboards = new DashboardService(o.dashboards, dashboardSeriesIndex(o.monitoring));
    this.dashboards.setProvisioned(o.provisioned ?? []);
  }

  start(): void {
    this.live.start();
  }

  /** Closes every live stream (with a final event), so the API's close does not wait on them. */
  stop(): void {
    this.live.stop();
  }
}
