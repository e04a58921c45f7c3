// A real `lineops serve` (compiled: `npm run build` first) running the sample line
// (examples/line.yaml) with one alerting rule that fires while the line runs, and a dispatcher
// route to one receiver: what the Services and Alerts browser tests look at.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { serveLineops } from "../../src/test-support/browser.js";
import type { ControlPlanes } from "../../src/test-support/cli.js";
import { tempDir } from "../../src/test-support/line.js";
import { waitFor } from "../../src/test-support/wait.js";
import { PACKAGE_ROOT } from "../../src/version.js";

export const FIRING_ALERT = "StationControllersRunning";
export const RECEIVER = "shop-floor";

// Fires as soon as a station controller is scraped: a rule that fires on a healthy line, evaluated
// every second so the test waits for seconds, not minutes.
const RULES = `groups:
  - name: line
    interval: 1s
    rules:
      - alert: ${FIRING_ALERT}
        expr: count(up{service="station-controller"} == 1) > 0
        labels:
          severity: warning
        annotations:
          summary: station controllers are up and scraped
`;

const CONFIG = `rule_files: [rules.yaml]
alerting:
  route:
    receiver: ${RECEIVER}
    group_wait: 0s
    group_interval: 1s
    repeat_interval: 1h
    group_by: [alertname]
  receivers:
    - name: ${RECEIVER}
`;

export type SampleLine = { url: string; adminToken: string; get: <T>(p: string) => Promise<T> };

type ServiceSummary = { name: string; desired: number; readyInstances: number; backends: unknown[] };

/** Starts it and waits until every service of the line is ready and routed. */
export async function serveSampleLine(planes: ControlPlanes): Promise<SampleLine> {
  const dir = tempDir("lineops-web-line-");
  writeFileSync(path.join(dir, "rules.yaml"), RULES);
  writeFileSync(path.join(dir, "lineops.yaml"), CONFIG);
  const { url, adminToken } = await serveLineops(planes, path.join(dir, "data"), [
    "--config",
    path.join(dir, "lineops.yaml"),
    "--line",
    path.join(PACKAGE_ROOT, "examples", "line.yaml"),
  ]);
  const get = async <T>(p: string): Promise<T> => {
    const res = await fetch(new URL(p, url), { headers: { authorization: `Bearer ${adminToken}` } });
    const body = (await res.json()) as unknown;
    if (!res.ok) {
      throw new Error(`${p}: ${res.status} ${JSON.stringify(body)}`);
    }
    // The Prometheus-compatible routes wrap their data in an envelope; lineops's own and /api/v2 do not.
    const enveloped =
      typeof body === "object" && body !== null && (body as { status?: unknown }).status === "success";
    return (enveloped ? (body as { data: T }).data : body) as T;
  };
  await waitFor(
    async () => {
      const { services } = await get<{ services: ServiceSummary[] }>("/api/v1/services");
      return services.length === 5 && services.every((s) => s.readyInstances === s.desired)
        ? true
        : undefined;
    },
    90_000,
    "every service of the sample line ready",
    250,
  );
  return { url, adminToken, get };
}

/** A page's console errors but the session probe's 401 before signing in (signedInPage's first load). */
export function unexpected(errors: string[]): string[] {
  return errors.filter((e) => !(/status of 401/.test(e) && e.includes("/api/v1/session")));
}
