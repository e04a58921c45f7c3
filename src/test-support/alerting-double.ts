// A small AlertingService for the Alertmanager API's tests: real Silences over a real SQLite store,
// alerts held in memory with Alertmanager's filter semantics (api/v2's alertFilter), one receiver
// chosen by a label, groups by alertname. Not the dispatcher: just enough behaviour for the routes'
// shapes and for amtool to see what it would see from Alertmanager. Plus a lineops API server built
// around it, listening on a real port, with its tokens.
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import {
  fingerprint,
  matchesAll,
  Silences,
  type AlertGroupView,
  type AlertingService,
  type AlertQuery,
  type AlertView,
  type IncomingAlert,
} from "../alerting/index.js";
import { buildServer } from "../api/server.js";
import { createMetrics } from "../api/metrics.js";
import type { ApiContext } from "../api/context.js";
import { systemClock, type Clock } from "../clock.js";
import { defineError } from "../errors.js";
import { AuditRepository } from "../store/audit.js";
import { openDb, type Db } from "../store/db.js";
import { SessionRepository } from "../store/sessions.js";
import { SilenceRepository } from "../store/silences.js";
import { TokenRepository } from "../store/tokens.js";
import { UserRepository } from "../store/users.js";
import { tempDir } from "./line.js";

const invalidAlert = defineError("LINEOPS_ERR_TEST_ALERT_INVALID", 400, "bad_data");

/** Alertmanager's default resolve_timeout: an alert posted without endsAt resolves after it. */
const RESOLVE_TIMEOUT_MS = 5 * 60 * 1000;

type Held = Omit<AlertView, "status" | "receivers">;

export class AlertingDouble implements AlertingService {
  readonly silences: Silences;
  /** What the tests posted, in order (after validation). */
  readonly received: IncomingAlert[] = [];
  private readonly held = new Map<string, Held>();

  constructor(
    db: Db,
    private readonly clock: Clock = systemClock,
    private readonly startedAt = clock.now(),
  ) {
    this.silences = new Silences(new SilenceRepository(db), { clock });
  }

  /** Refuses the whole batch if one alert has no alertname, naming it; otherwise holds every alert. */
  receive(alerts: IncomingAlert[]): void {
    alerts.forEach((a, i) => {
      if (!a.labels.alertname) {
        throw invalidAlert(`alerts[${i}].labels: alertname missing`);
      }
    });
    const now = this.clock.now();
    for (const a of alerts) {
      this.received.push(a);
      const fp = fingerprint(a.labels);
      this.held.set(fp, {
        fingerprint: fp,
        labels: a.labels,
        annotations: a.annotations ?? {},
        startsAt: a.startsAt ?? now,
        endsAt: a.endsAt ?? now + RESOLVE_TIMEOUT_MS,
        updatedAt: now,
        ...(a.generatorURL === undefined ? {} : { generatorURL: a.generatorURL }),
      });
    }
  }

  alerts(q: AlertQuery = {}): AlertView[] {
    const now = this.clock.now();
    const out: AlertView[] = [];
    for (const a of this.held.values()) {
      if (a.endsAt < now) {
        continue; // resolved: Alertmanager's API shows only alerts that have not ended
      }
      const silencedBy = this.silences.mutes(a.labels, now);
      const view: AlertView = {
        ...a,
        receivers: [this.receiverOf(a.labels)],
        status: { state: silencedBy.length > 0 ? "suppressed" : "active", silencedBy, inhibitedBy: [] },
      };
      if (q.active === false && view.status.state === "active") {
        continue;
      }
      if (q.silenced === false && silencedBy.length > 0) {
        continue;
      }
      if (q.filter && !matchesAll(q.filter, a.labels)) {
        continue;
      }
      if (q.receiver && !view.receivers.some(q.receiver)) {
        continue;
      }
      out.push(view);
    }
    return out;
  }

  groups(q: AlertQuery = {}): AlertGroupView[] {
    const groups = new Map<string, AlertGroupView>();
    for (const a of this.alerts(q)) {
      const receiver = a.receivers[0] as string;
      const key = `${receiver}\u0000${a.labels.alertname}`;
      const g = groups.get(key) ?? {
        labels: { alertname: a.labels.alertname as string },
        receiver,
        alerts: [],
      };
      g.alerts.push(a);
      groups.set(key, g);
    }
    return [...groups.values()];
  }

  receivers(): string[] {
    return ["line-team", "pager"];
  }

  status(): { configYaml: string; startedAt: number } {
    return {
      configYaml: "route:\n  receiver: line-team\nreceivers:\n- name: line-team\n- name: pager\n",
      startedAt: this.startedAt,
    };
  }

  /** severity=critical pages; everything else goes to the line team. */
  private receiverOf(labels: Record<string, string>): string {
    return labels.severity === "critical" ? "pager" : "line-team";
  }
}

/**
 * The engines the Alertmanager routes never touch: other routes may keep references to their parts
 * at registration (a property read gives another stand-in), but any call throws.
 */
function unused<T extends object>(name: string): T {
  return new Proxy(function standIn() {}, {
    get: (_t, prop) => (prop === "then" ? undefined : unused(`${name}.${String(prop)}`)),
    apply: () => {
      throw new Error(`${name}() called by an Alertmanager API test`);
    },
  }) as unknown as T;
}

export type AlertmanagerApiServer = {
  app: FastifyInstance;
  url: string;
  alerting: AlertingDouble;
  db: Db;
  tokens: Record<"viewer" | "operator" | "admin", string>;
  close(): Promise<void>;
};

/**
 * lineops's API server (buildServer) with `alerting` set to an AlertingDouble (unless withAlerting
 * is false), on 127.0.0.1:<free port>.
 */
export async function startAlertmanagerApi(
  opts: { clock?: Clock; withAlerting?: boolean } = {},
): Promise<AlertmanagerApiServer> {
  const clock = opts.clock ?? systemClock;
  const db = openDb(tempDir("lineops-amapi-"));
  const alerting = new AlertingDouble(db, clock);
  const tokenRepo = new TokenRepository(db);
  const ctx: ApiContext = {
    version: "9.9.9-test",
    logger: pino({ level: "silent" }),
    deployment: unused("deployment"),
    monitoring: unused("monitoring"),
    runtime: unused("runtime"),
    revisions: unused("revisions"),
    tokens: tokenRepo,
    users: new UserRepository(db),
    sessions: new SessionRepository(db),
    audit: new AuditRepository(db),
    metrics: unused("metrics"),
    isReady: () => true,
    reload: () => Promise.resolve(undefined),
    ...(opts.withAlerting === false ? {} : { alerting }),
  };
  const metrics = createMetrics(() => undefined);
  const app = await buildServer(ctx, { bodyLimitBytes: 1024 * 1024, metrics });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    alerting,
    db,
    tokens: {
      viewer: tokenRepo.create("viewer", "viewer").token,
      operator: tokenRepo.create("sender", "operator").token,
      admin: tokenRepo.create("admin", "admin").token,
    },
    close: async () => {
      await app.close();
      db.close();
    },
  };
}
