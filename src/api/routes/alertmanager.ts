// Alertmanager's API v2 (/api/v2/...) over the AlertingService: the same paths, parameters and JSON
// shapes as Alertmanager 0.25+, so amtool, Prometheus's notifier and dashboards built for
// Alertmanager use lineops unchanged. Times are RFC 3339 on the wire and ms numbers in the service.
//
// Errors: a request Alertmanager refuses (bad matcher, bad silence, alert without labels, a body
// that fails its schema) is 400 with the message as a bare JSON string, which is what Alertmanager's
// go-swagger server sends and amtool's generated client decodes into its error ("... bad request:
// <message>"); an unknown silence is 404. Authentication, roles and body types keep lineops's own
// envelope (401/403/415 with a code): Alertmanager has no such answers for a client to expect.
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import {
  newMatcher,
  parseMatchers,
  type AlertingService,
  type AlertQuery,
  type AlertView,
  type IncomingAlert,
  type LabelMatcher,
  type Silence,
  type SilenceMatcher,
} from "../../alerting/index.js";
import { LineopsError } from "../../errors.js";
import type { Labels } from "../../model/labels.js";
import { VERSION } from "../../version.js";
import { JSON_TYPES } from "../body.js";
import { toEnvelope } from "../errors.js";
import {
  amAlertsQuery,
  amPostableAlerts,
  amPostableSilence,
  amSilenceParams,
  amSilencesQuery,
  parseRfc3339,
  type AmAlert,
  type AmAlertGroup,
  type AmPostableAlert,
  type AmPostSilenceResponse,
  type AmReceiver,
  type AmSilence,
  type AmStatus,
} from "../types.js";
import { route, type ApiApp } from "../validation.js";

/** Go's zero time, which clients such as Prometheus may send for "not set". */
const GO_ZERO_TIME_MS = -62_135_596_800_000; // 0001-01-01T00:00:00Z

/** The time as Alertmanager writes it (go-openapi's strfmt.DateTime: RFC 3339 with milliseconds, UTC). */
export function formatRfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

/** An error answered the Alertmanager way: `status` with the message as a JSON string body. */
class AlertmanagerApiError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}

const badRequest = (message: string) => new AlertmanagerApiError(400, message);

/**
 * The error handler of every /api/v2 route: Alertmanager's 400 and 404 (a JSON string), lineops's
 * envelope for everything Alertmanager never answers (401, 403, 413, 415, 5xx).
 */
function alertmanagerErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (err instanceof AlertmanagerApiError) {
    void reply.code(err.status).type("application/json").send(JSON.stringify(err.message));
    return;
  }
  const { status, body, internal } = toEnvelope(err);
  if (internal) {
    request.log.error({ err, url: request.url }, "request failed");
  }
  if (status === 400 || (status === 404 && err instanceof LineopsError)) {
    void reply.code(status).type("application/json").send(JSON.stringify(body.error));
    return;
  }
  void reply.code(status).send(body);
}

const list = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

/** Each `filter` value is one matcher (a `{...}` list is taken too); the parser's message on failure. */
function filterMatchers(filter: string | string[] | undefined): LabelMatcher[] {
  const out: LabelMatcher[] = [];
  for (const text of list(filter)) {
    try {
      out.push(...parseMatchers(text));
    } catch (err) {
      throw badRequest((err as Error).message);
    }
  }
  return out;
}

/** `receiver=` is a regex anchored as Alertmanager's `^(?:re)$`. */
function receiverFilter(receiver: string | undefined): ((name: string) => boolean) | undefined {
  if (receiver === undefined) {
    return undefined;
  }
  try {
    return newMatcher("=~", "receiver", receiver).matches;
  } catch (err) {
    throw badRequest(`failed to parse receiver param: ${(err as Error).message}`);
  }
}

function alertQuery(q: {
  active?: string | undefined;
  silenced?: string | undefined;
  inhibited?: string | undefined;
  unprocessed?: string | undefined;
  filter?: string | string[] | undefined;
  receiver?: string | undefined;
}): AlertQuery {
  const flag = (v: string | undefined) => v !== "false";
  const receiver = receiverFilter(q.receiver);
  return {
    active: flag(q.active),
    silenced: flag(q.silenced),
    inhibited: flag(q.inhibited),
    unprocessed: flag(q.unprocessed),
    filter: filterMatchers(q.filter),
    ...(receiver === undefined ? {} : { receiver }),
  };
}

export function gettableAlert(a: AlertView): AmAlert {
  return {
    annotations: { ...a.annotations },
    endsAt: formatRfc3339(a.endsAt),
    fingerprint: a.fingerprint,
    receivers: a.receivers.map((name) => ({ name })),
    startsAt: formatRfc3339(a.startsAt),
    status: {
      state: a.status.state,
      silencedBy: [...a.status.silencedBy],
      inhibitedBy: [...a.status.inhibitedBy],
      mutedBy: [...(a.status.mutedBy ?? [])],
    },
    updatedAt: formatRfc3339(a.updatedAt),
    ...(a.generatorURL ? { generatorURL: a.generatorURL } : {}),
    labels: { ...a.labels },
  };
}

export function gettableSilence(s: Silence): AmSilence {
  return {
    id: s.id,
    status: { state: s.status.state },
    updatedAt: formatRfc3339(s.updatedAt),
    comment: s.comment,
    createdBy: s.createdBy,
    endsAt: formatRfc3339(s.endsAt),
    matchers: s.matchers.map((m) => ({
      name: m.name,
      value: m.value,
      isRegex: m.isRegex,
      isEqual: m.isEqual,
    })),
    startsAt: formatRfc3339(s.startsAt),
  };
}

/** A time field of a posted alert: Go's zero time (0001-01-01T00:00:00Z) means "not set", as in Alertmanager. */
function optionalTime(text: string | undefined): number | undefined {
  if (text === undefined) {
    return undefined;
  }
  const ms = parseRfc3339(text) as number; // the body schema checked it
  return ms === GO_ZERO_TIME_MS ? undefined : ms;
}

/** Labels with an empty value are dropped before validation, as Alertmanager's removeEmptyLabels does. */
function withoutEmpty(labels: Record<string, string>): Labels {
  return Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== ""));
}

function incomingAlert(a: AmPostableAlert): IncomingAlert {
  const startsAt = optionalTime(a.startsAt);
  const endsAt = optionalTime(a.endsAt);
  return {
    labels: withoutEmpty(a.labels),
    ...(a.annotations === undefined ? {} : { annotations: withoutEmpty(a.annotations) }),
    ...(startsAt === undefined ? {} : { startsAt }),
    ...(endsAt === undefined ? {} : { endsAt }),
    ...(a.generatorURL ? { generatorURL: a.generatorURL } : {}),
  };
}

const toSilenceMatcher = (m: LabelMatcher): SilenceMatcher => ({
  name: m.name,
  value: m.value,
  isRegex: m.type === "=~" || m.type === "!~",
  isEqual: m.type === "=" || m.type === "=~",
});

const notFound = (id: string) => new AlertmanagerApiError(404, `silence ${id} not found`);

export type AlertmanagerRoutesOptions = { version?: string };

/** Registers the Alertmanager API v2 on `app`; only main.ts's `alerting` makes them exist. */
export function alertmanagerRoutes(
  app: ApiApp,
  alerting: AlertingService,
  opts: AlertmanagerRoutesOptions = {},
): void {
  const errorHandler = alertmanagerErrors;
  const tag = "alertmanager";
  // A body or query string that fails its schema is a 400 from the validator (validation.ts),
  // which errorHandler answers as Alertmanager's JSON string like every other 400.

  app.get(
    "/api/v2/status",
    {
      ...route({ role: "viewer", tag, summary: "Alertmanager status: config, version, uptime" }),
      errorHandler,
    },
    async (): Promise<AmStatus> => {
      const { configYaml, startedAt } = alerting.status();
      return {
        cluster: { status: "disabled", peers: [] },
        versionInfo: {
          branch: "",
          buildDate: "",
          buildUser: "lineops",
          goVersion: process.version,
          revision: "",
          version: opts.version ?? VERSION,
        },
        config: { original: configYaml },
        uptime: formatRfc3339(startedAt),
      };
    },
  );

  app.get(
    "/api/v2/receivers",
    { ...route({ role: "viewer", tag, summary: "receivers of the alerting configuration" }), errorHandler },
    async (): Promise<AmReceiver[]> => alerting.receivers().map((name) => ({ name })),
  );

  app.get(
    "/api/v2/alerts",
    {
      ...route(
        { role: "viewer", tag, summary: "alerts, filtered by state, matchers and receiver" },
        { querystring: amAlertsQuery },
      ),
      errorHandler,
    },
    async (request): Promise<AmAlert[]> =>
      alerting
        .alerts(alertQuery(request.query))
        .map(gettableAlert)
        .sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0)),
  );

  app.post(
    "/api/v2/alerts",
    {
      ...route(
        {
          role: "operator",
          tag,
          summary: "receive alerts (Prometheus's notifier, amtool alert add)",
          accepts: JSON_TYPES,
        },
        { body: amPostableAlerts },
      ),
      errorHandler,
    },
    async (request, reply) => {
      alerting.receive(request.body.map(incomingAlert));
      // Alertmanager answers 200 with no body.
      void reply.code(200).send();
    },
  );

  app.get(
    "/api/v2/alerts/groups",
    {
      ...route(
        { role: "viewer", tag, summary: "alerts grouped as the route tree groups them" },
        { querystring: amAlertsQuery },
      ),
      errorHandler,
    },
    async (request): Promise<AmAlertGroup[]> =>
      alerting.groups(alertQuery(request.query)).map((g) => ({
        alerts: g.alerts.map(gettableAlert),
        labels: { ...g.labels },
        receiver: { name: g.receiver },
      })),
  );

  app.get(
    "/api/v2/silences",
    {
      ...route(
        { role: "viewer", tag, summary: "silences, filtered by matchers" },
        { querystring: amSilencesQuery },
      ),
      errorHandler,
    },
    async (request): Promise<AmSilence[]> =>
      alerting.silences
        .query({ filter: filterMatchers(request.query.filter).map(toSilenceMatcher) })
        .map(gettableSilence),
  );

  app.post(
    "/api/v2/silences",
    {
      ...route(
        {
          role: "operator",
          tag,
          summary: "create a silence, or update the one `id` names",
          accepts: JSON_TYPES,
        },
        { body: amPostableSilence },
      ),
      errorHandler,
    },
    async (request): Promise<AmPostSilenceResponse> => {
      const b = request.body;
      const silence = alerting.silences.set({
        id: b.id,
        matchers: b.matchers.map((m) => ({ ...m, isEqual: m.isEqual ?? true })),
        startsAt: parseRfc3339(b.startsAt) as number,
        endsAt: parseRfc3339(b.endsAt) as number,
        createdBy: b.createdBy,
        comment: b.comment,
      });
      return { silenceID: silence.id };
    },
  );

  app.get(
    "/api/v2/silence/:silenceID",
    {
      ...route({ role: "viewer", tag, summary: "one silence" }, { params: amSilenceParams }),
      errorHandler,
    },
    async (request): Promise<AmSilence> => {
      const s = alerting.silences.get(request.params.silenceID);
      if (s === undefined) {
        throw notFound(request.params.silenceID);
      }
      return gettableSilence(s);
    },
  );

  app.delete(
    "/api/v2/silence/:silenceID",
    {
      ...route({ role: "operator", tag, summary: "expire a silence now" }, { params: amSilenceParams }),
      errorHandler,
    },
    async (request, reply) => {
      const id = request.params.silenceID;
      if (alerting.silences.get(id) === undefined) {
        throw notFound(id);
      }
      alerting.silences.expire(id);
      void reply.code(200).send();
    },
  );
}
