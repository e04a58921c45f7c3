// The wire types of the lineops API, in one place: the zod schema of every request part (body,
// query string, path) the routes validate and infer their types from, and the shapes of the
// responses. Routes and the CLI both use this module; the CLI imports it for types only.
import { z } from "zod";
import { strategySchema } from "../config/deploy-schema.js";
import { STATION_PATTERN, serviceName, versionString } from "../config/line-schema.js";
import type {
  ApplyResult,
  Dora,
  PlanPreview,
  ServiceStatus,
  StoredServiceSpec,
} from "../deployment/index.js";
import { REVISION_PATTERN } from "../deployment/index.js";
import type { Instance } from "../runtime/types.js";
import type { AuditRecord } from "../store/audit.js";
import type { DeploymentEvent, DeploymentRecord } from "../store/deployments.js";
import type { Revision } from "../store/revisions.js";
import { ROLES, type TokenRecord } from "../store/tokens.js";
import type { UserRecord } from "../store/users.js";

// ---- request parts ----------------------------------------------------------------------------
// Bodies are strict objects (an unknown field is an error, never silently dropped) and are not
// coerced. Query strings are plain objects: unknown parameters are ignored, as clients add their
// own (cache busters), and integers are parsed from their text.

/**
 * An integer query parameter, read from its text as ajv used to ("?limit=5" is 5, "?limit=lots" is
 * 400) and bounded; the OpenAPI document shows it as an integer with its bounds.
 */
const queryInt = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  // Blank text is refused, as ajv did: coercion alone would read "?before=" as 0.
  z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? Number.NaN : v),
    z.coerce.number().int().min(min).max(max),
  );

export const revisionRef = z.string().regex(REVISION_PATTERN, "must be a revision number or its hash (hex)");

export const idParams = z.object({ id: z.string() });
export const nameParams = z.object({ name: z.string() });
export const revisionParams = z.object({ name: z.string(), revision: z.string() });

export const tokenBody = z.strictObject({
  // Names appear in the audit trail's actor column: printable, one line.
  name: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[^\p{Cc}]+$/u, "must not contain control characters"),
  role: z.enum(ROLES),
  /** The user the token acts for (its actions name them in the audit trail); omitted: a service token. */
  user: z.string().min(1).max(64).optional(),
});
export type TokenRequest = z.input<typeof tokenBody>;

/** NIST SP 800-63B: at least 8 characters; the upper bound keeps one argon2 hash bounded in time. */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 1024;

/** User names: what people type at sign-in and in `lineops user`; no spaces, no control characters. */
export const userName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/,
    "must be 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit",
  );
const newPassword = z
  .string()
  .min(PASSWORD_MIN, `must be at least ${PASSWORD_MIN} characters`)
  .max(PASSWORD_MAX, `must be at most ${PASSWORD_MAX} characters`);

export const userBody = z.strictObject({ name: userName, role: z.enum(ROLES), password: newPassword });
export type UserRequest = z.input<typeof userBody>;
export const passwordBody = z.strictObject({ password: newPassword });
export const userChangeBody = z
  .strictObject({ role: z.enum(ROLES).optional(), disabled: z.boolean().optional() })
  .refine((b) => b.role !== undefined || b.disabled !== undefined, {
    message: "give role, disabled or both",
  });
export type UserChangeRequest = z.input<typeof userChangeBody>;

/**
 * POST /api/v1/session. Loose bounds on purpose: a wrong name or password is a 401 like any other,
 * never a 400 that says which field looked wrong; only the lengths keep the work bounded.
 */
export const signInBody = z.strictObject({
  username: z.string().min(1).max(200),
  password: z.string().min(1).max(PASSWORD_MAX),
});
export type SignInRequest = z.input<typeof signInBody>;

export const auditQuery = z.object({
  limit: queryInt(1, 1000).default(100),
  before: queryInt(Number.MIN_SAFE_INTEGER).optional(),
  actor: z.string().optional(),
});

export const deployBody = z
  .strictObject({
    service: serviceName,
    version: versionString.optional(),
    revision: revisionRef.optional(),
    strategy: strategySchema.optional(),
  })
  // One of the two, never both: a revision pins a spec whose version might disagree.
  .refine((b) => (b.version === undefined) !== (b.revision === undefined), {
    message: "give exactly one of version or revision",
  });
export type DeployRequest = z.input<typeof deployBody>;

export const rollbackBody = z.strictObject({ revision: revisionRef.optional() }).optional();
export type RollbackRequest = z.input<typeof rollbackBody>;

export const deploymentsQuery = z.object({ service: z.string().optional() });
/** ?after=N: only the events after event N (the CLI follows a deployment this way). */
export const deploymentQuery = z.object({ after: queryInt(0).default(0) });

export const instancesQuery = z.object({
  service: z.string().optional(),
  revision: z.string().optional(),
});
/** Lines a log tail may ask for: the Services page's tail, bounded with its bytes (MAX_LOG_TAIL_BYTES). */
export const MAX_LOG_TAIL_LINES = 1000;
/** ?tail=N (or its older name ?lines=N): the last N lines, N <= 1000. */
export const logsQuery = z.object({
  tail: queryInt(1, MAX_LOG_TAIL_LINES).optional(),
  lines: queryInt(1, MAX_LOG_TAIL_LINES).optional(),
});

/** POST /api/v1/line/plan: ?dir= is the line file's directory, against which relative paths resolve. */
export const planQuery = z.object({ dir: z.string().optional(), file: z.string().optional() });

// Trend analysis: times and durations keep the Prometheus API's grammar (Unix seconds or RFC 3339;
// float seconds or "15m"), parsed by the handlers with errors naming the parameter.
const promQuery = z.string().min(1);
const param = z.string().optional();
export const forecastQuery = z.object({
  query: promQuery,
  time: param,
  range: param,
  step: param,
  horizon: param,
  method: z.enum(["linear", "holt"]).default("linear"),
});
export const anomalyQuery = z.object({ query: promQuery, time: param, range: param, step: param });
export const seasonalQuery = z.object({
  query: promQuery,
  time: param,
  season: param,
  window: param,
  step: param,
});
export const changeQuery = z.object({ query: promQuery, at: z.string().min(1), window: param, step: param });

// Analytics (OEE, downtime): from/to in the Prometheus API's time grammar (Unix seconds or RFC 3339);
// to defaults to now, from to a day before to. A station id has the grammar of line.yaml's.
const analyticsScope = {
  line: z.string().min(1).max(256).optional(),
  station: z.string().regex(STATION_PATTERN, "must be a station id such as 1 or st-01").optional(),
  from: param,
  to: param,
};
export const oeeQuery = z.object({ ...analyticsScope, by: z.enum(["shift", "day"]).default("day") });
/** SLO per service: the objective's window ending at `to` (default now), or from..to. */
export const sloQuery = z.object({
  service: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be a service name")
    .optional(),
  from: param,
  to: param,
});
export const downtimeQuery = z.object({
  ...analyticsScope,
  by: z.enum(["reason", "station"]).default("reason"),
});

// ---- responses ----------------------------------------------------------------------------------
// The records the engines and the store keep are sent as they are; these names are what a client
// reads. The routes declare their handlers' results with these types, so a change shows here.

export type { AuditRecord, Dora, Instance, PlanPreview, Revision, ServiceStatus, TokenRecord, UserRecord };
export type { DeploymentEvent, DeploymentRecord };

export type VersionResponse = { version: string; node: string };
export type StatusResponse = { line: string; ready: boolean; services: ServiceStatus[] };
export type LineResponse = { name: string; order: string[][]; services: ServiceStatus[] };
export type ApplyResponse = ApplyResult;
/** One backend of a front door, as the data plane's router holds it. */
export type BackendView = {
  instanceId: string;
  host: string;
  port: number;
  /** The rollout group ("stable" unless a rollout named another). */
  group: string;
  /** Relative weight inside its group (1 unless set); 0 is out of normal rotation. */
  weight: number;
  /** Out of rotation, finishing its in-flight requests. */
  draining: boolean;
  station?: string;
  revision?: string;
};
/** A service's front door: where it listens and where it sends requests. */
export type FrontDoorRouting = {
  /** null until the door is open. */
  frontDoor: { host: string; port: number } | null;
  /** Percent of normal traffic per group ({stable: 100} outside a rollout); null when the router has none. */
  weights: Record<string, number> | null;
  backends: BackendView[];
  /** Set when the data plane's table could not be read: the routing fields are then empty. */
  routingError?: string;
};
export type ServiceBackendsResponse = Omit<FrontDoorRouting, "routingError"> & {
  service: string;
  stickiness: { header?: string; cookie?: string } | null;
  error?: string;
};
/** GET /api/v1/services: each service's status (`instances` is the count) with the list in `instanceList`. */
export type ServiceView = ServiceStatus & FrontDoorRouting & { instanceList: InstanceView[] };
export type ServicesResponse = { services: ServiceView[] };
export type ServiceResponse = { status: ServiceStatus; spec: StoredServiceSpec; instances: Instance[] };
export type ServiceDetailResponse = ServiceResponse & FrontDoorRouting & { instances: InstanceView[] };
export type RevisionsResponse = { revisions: Revision[] };

/** An instance kept ready out of rotation for an instant rollback says so. */
export type InstanceView = Instance & {
  standby?: boolean;
  /** ready: healthy; unready, backoff, failed: unhealthy; starting, stopping, stopped: unknown. */
  health?: "healthy" | "unhealthy" | "unknown";
};
export type InstancesResponse = { instances: InstanceView[] };
/** `truncated`: lines were left out, or the oldest one cut, to keep the answer under its byte cap. */
export type InstanceLogsResponse = { instance: string; lines: string[]; truncated: boolean };
export type ServiceLogsResponse = {
  service: string;
  instances: {
    instance: string;
    station?: string;
    state: Instance["state"];
    lines: string[];
    truncated: boolean;
  }[];
};

export type DeploymentsResponse = { deployments: DeploymentRecord[] };
/** One deployment with its events (those after ?after=). */
export type DeploymentDetail = DeploymentRecord & { events: DeploymentEvent[] };

export type AuditResponse = { records: AuditRecord[] };
export type TokensResponse = { tokens: TokenRecord[] };
/** The only response that carries a token's value. */
export type CreatedToken = TokenRecord & { token: string };
export type RevokedToken = { revoked: string };

export type UsersResponse = { users: UserRecord[] };
/** A password change or removal ends the user's sessions: how many. */
export type UserChanged = { user: UserRecord; sessionsEnded: number };
export type UserRemoved = { removed: string; sessionsEnded: number };

/** GET and POST /api/v1/session (in the envelope): who is signed in and the token changes must carry. */
export type SessionData = { user: { name: string; role: TokenRecord["role"] }; csrfToken: string };
export type SessionResponse = { status: "success"; data: SessionData };
export type SignedOutResponse = { status: "success"; data: Record<string, never> };

/** The Prometheus-compatible routes' envelope (query, targets, analysis). */
export type PromEnvelope<T> = {
  status: "success";
  data: T;
  warnings?: string[];
  infos?: string[];
};
export type VectorSample = { metric: Record<string, string>; value: [number, string] };
export type QueryData = { resultType: string; result: unknown };
export type ScrapeTarget = {
  scrapePool: string;
  scrapeUrl: string;
  health: string;
  lastError: string;
  lastScrapeDuration: number;
};
export type TargetsData = { activeTargets: ScrapeTarget[] };
/** GET /api/v1/rules and GET /api/v1/alerts (Prometheus's RuleDiscovery and AlertDiscovery). */
export type {
  AlertsData,
  ApiAlert as PromAlert,
  ApiAlertingRule as PromAlertingRule,
  ApiRecordingRule as PromRecordingRule,
  ApiRuleGroup as PromRuleGroup,
  RulesData,
} from "../monitoring/index.js";
/** One series of a trend analysis: its labels and the figures of that analysis. */
export type AnalysisRow = { metric: Record<string, string> } & Record<string, unknown>;

// ---- Alertmanager API v2 (/api/v2): Alertmanager's own shapes, so amtool and Prometheus work unchanged.
// Times are RFC 3339 strings on the wire (checked here; the routes convert them to the ms numbers of
// the AlertingService); errors are answered as Alertmanager does, a JSON string (routes/alertmanager.ts).

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

/** ms since the epoch of an RFC 3339 time, or undefined when the text is not one (Go's time.Parse refuses Feb 30). */
export function parseRfc3339(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (m === null) {
    return undefined;
  }
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const day = new Date(Date.UTC(y, mo - 1, d));
  const offsetOk = m[9] === undefined || (Number(m[9]) < 24 && Number(m[10]) < 60);
  if (day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d || h > 23 || mi > 59 || s > 60 || !offsetOk) {
    return undefined;
  }
  const ms = Date.parse(text.toUpperCase());
  return Number.isFinite(ms) ? ms : undefined;
}

const rfc3339 = z.string().refine((t) => parseRfc3339(t) !== undefined, {
  message: 'must be an RFC 3339 time ("2026-05-04T12:00:00Z")',
});
const labelSet = z.record(z.string(), z.string());

/** A boolean query parameter as go-swagger reads it; absent means true for the alert filters. */
const amBool = z.enum(["true", "false"]).optional();
/** `filter` may be repeated (`?filter=a="b"&filter=c=~"d"`): one string or several. */
const repeated = z.union([z.string(), z.array(z.string())]).optional();

export const amAlertsQuery = z.object({
  active: amBool,
  silenced: amBool,
  inhibited: amBool,
  unprocessed: amBool,
  filter: repeated,
  receiver: z.string().optional(),
});
export const amSilencesQuery = z.object({ filter: repeated });
export const amSilenceParams = z.object({ silenceID: z.string() });

/** POST /api/v2/alerts: postableAlerts. Unknown fields are errors, as in every lineops body. */
export const amPostableAlerts = z.array(
  z.strictObject({
    labels: labelSet,
    annotations: labelSet.optional(),
    startsAt: rfc3339.optional(),
    endsAt: rfc3339.optional(),
    generatorURL: z.string().optional(),
  }),
);
export type AmPostableAlert = z.input<typeof amPostableAlerts>[number];

/** POST /api/v2/silences: postableSilence; with `id` it updates that silence. */
export const amPostableSilence = z.strictObject({
  id: z.string().optional(),
  matchers: z
    .array(
      z.strictObject({
        name: z.string(),
        value: z.string(),
        isRegex: z.boolean(),
        isEqual: z.boolean().default(true),
      }),
    )
    .min(1),
  startsAt: rfc3339,
  endsAt: rfc3339,
  createdBy: z.string(),
  comment: z.string(),
});
export type AmPostableSilence = z.input<typeof amPostableSilence>;

export type AmMatcher = { name: string; value: string; isRegex: boolean; isEqual: boolean };
export type AmAlertStatus = {
  state: "active" | "suppressed" | "unprocessed";
  silencedBy: string[];
  inhibitedBy: string[];
  mutedBy: string[];
};
/** gettableAlert */
export type AmAlert = {
  annotations: Record<string, string>;
  endsAt: string;
  fingerprint: string;
  receivers: { name: string }[];
  startsAt: string;
  status: AmAlertStatus;
  updatedAt: string;
  generatorURL?: string;
  labels: Record<string, string>;
};
/** alertGroup */
export type AmAlertGroup = { alerts: AmAlert[]; labels: Record<string, string>; receiver: { name: string } };
/** gettableSilence */
export type AmSilence = {
  id: string;
  status: { state: "pending" | "active" | "expired" };
  updatedAt: string;
  comment: string;
  createdBy: string;
  endsAt: string;
  matchers: AmMatcher[];
  startsAt: string;
};
export type AmPostSilenceResponse = { silenceID: string };
/** alertmanagerStatus */
export type AmStatus = {
  cluster: { status: "disabled"; peers: [] };
  versionInfo: {
    branch: string;
    buildDate: string;
    buildUser: string;
    goVersion: string;
    revision: string;
    version: string;
  };
  config: { original: string };
  uptime: string;
};
export type AmReceiver = { name: string };

// People and on-call (P10): request and response types of routes/oncall.ts and the contact routes.
export type * from "./oncall-types.js";

/** Right-sizing and capacity planning (GET /api/v1/infrastructure/recommendations, .../capacity). */
export type {
  CapacityReport,
  PackingSummary,
  RecommendationReport,
  ServiceRecommendation,
} from "../infrastructure/index.js";
