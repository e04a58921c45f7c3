// OperationsDashboardEngine: what the web dashboard needs of lineops beyond the other engines' own
// APIs. Today its live part (live/): one Server-Sent Events stream per browser with deployment,
// alert and instance events and subscribed queries. Analytics, reports and stored dashboards join
// here as they are built.
import { LiveService, type LiveOptions } from "./live/live.js";

export type DashboardEngineOptions = LiveOptions;

export class DashboardEngine {
  readonly live: LiveService;

  constructor(o: DashboardEngineOptions) {
    this.live = new LiveService(o);
  }

  start(): void {
    this.live.start();
  }

  /** Closes every live stream (with a final event), so the API's close does not wait on them. */
  stop(): void {
    this.live.stop();
  }
}
