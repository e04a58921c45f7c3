// The outcome of the last configuration reload (SIGHUP, POST /-/reload) on /metrics, as Prometheus
// (prometheus_config_last_reload_*) and Alertmanager (alertmanager_config_last_reload_*) expose
// theirs: a refused reload keeps the running configuration, so only this gauge tells an operator
// (or a rule) that the files on disk are not what runs.
import { Gauge, type Registry } from "prom-client";

export type ReloadStatus = {
  /** Runs `reload` after any reload still running (SIGHUP and POST may overlap) and records its outcome. */
  run<T>(reload: () => Promise<T>): Promise<T>;
  /** The last reload's outcome and the time of the last successful one (the start counts as one). */
  last(): { success: boolean; at: number };
};

export function reloadStatus(registry: Registry, now: () => number = Date.now): ReloadStatus {
  const successful = new Gauge({
    name: "lineops_config_last_reload_successful",
    help: "Whether the last configuration reload attempt was successful (1) or refused (0).",
    registers: [registry],
  });
  const successAt = new Gauge({
    name: "lineops_config_last_reload_success_timestamp_seconds",
    help: "Timestamp of the last successful configuration reload (the start counts as one).",
    registers: [registry],
  });
  // The configuration loaded at start is the first successful load, as in Prometheus.
  const outcome = { success: true, at: now() };
  const record = () => {
    successful.set(outcome.success ? 1 : 0);
    successAt.set(outcome.at / 1000);
  };
  record();
  let queue: Promise<unknown> = Promise.resolve();
  return {
    run(reload) {
      const next = queue.catch(() => undefined).then(reload);
      queue = next;
      return next.then(
        (result) => {
          Object.assign(outcome, { success: true, at: now() });
          record();
          return result;
        },
        (err: unknown) => {
          outcome.success = false;
          record();
          throw err;
        },
      );
    },
    last: () => ({ ...outcome }),
  };
}
