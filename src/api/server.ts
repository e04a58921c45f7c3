// Builds the HTTP server: auth and audit hooks, the error envelope, the OpenAPI document generated
// from route schemas, lineops's own health and metrics endpoints, and the /api/v1 routes.
import swagger from "@fastify/swagger";
import type { SecureContextOptions } from "node:tls";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { jsonSchemaTransform, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { ApiContext } from "./context.js";
import { auditHook } from "./audit.js";
import { authHook, declareRoutes } from "./auth.js";
import { bodyParsers, mediaTypeHook } from "./body.js";
import { csrfHook } from "./csrf.js";
import { ApiErrors, toEnvelope, TooManyRequestsError } from "./errors.js";
import type { ApiMetrics } from "./metrics.js";
import { prometheusRoutes } from "./prometheus/routes.js";
import { adminRoutes } from "./routes/admin.js";
import { alarmRoutes } from "./routes/alarms.js";
import { alertmanagerRoutes } from "./routes/alertmanager.js";
import { analysisRoutes } from "./routes/analysis.js";
import { dashboardRoutes } from "./routes/dashboards.js";
import { analyticsRoutes } from "./routes/analytics.js";
import { infrastructureRoutes } from "./routes/infrastructure.js";
import { optimizerRoutes } from "./routes/optimizer.js";
import { scaleRoutes } from "./routes/scale.js";
import { reportRoutes } from "./routes/reports.js";
import { deploymentRoutes } from "./routes/deployments.js";
import { instanceRoutes } from "./routes/instances.js";
import { sessionRoutes } from "./routes/session.js";
import { serviceRoutes } from "./routes/services.js";
import { incidentRoutes } from "./routes/incidents.js";
import { escalationRoutes } from "./routes/escalation.js";
import { liveRoutes } from "./routes/live.js";
import { statusRoutes } from "./routes/status.js";
import { userRoutes } from "./routes/users.js";
import { oncallRoutes } from "./routes/oncall.js";
import { SignInLimiter, type SignInLimits } from "./sign-in-limiter.js";
import { SESSION_COOKIE } from "./session.js";
import { loadWebBundle, serveAppShell, webRoutes } from "./routes/web.js";
import { applyHttpPolicy, type HttpPolicy } from "./transport.js";
import type { VersionResponse } from "./types.js";
import { zodValidator } from "./validation.js";

export type ServerOptions = {
  bodyLimitBytes: number;
  metrics: ApiMetrics;
  /** More exposition text after lineops's own (the data plane's router metrics, kept in its process). */
  moreMetrics?: () => Promise<string>;
  /** Host allow-list and headers (default: loopback only, no TLS). */
  policy?: HttpPolicy;
  /** Certificate and key: the API answers HTTPS only. */
  https?: SecureContextOptions;
  /** Sign-in throttling (default DEFAULT_SIGN_IN_LIMITS); tests pass tighter limits. */
  signInLimits?: SignInLimits;
  /** The web app's build (default: dist/web of this package, see routes/web.ts). */
  webDir?: string;
};

export async function buildServer(ctx: ApiContext, opts: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.logger.child({ component: "api" }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimitBytes,
    // Secrets never reach logs: the Authorization header is not part of pino's default request serializer.
    ...(opts.https ? { https: opts.https } : {}),
  }) as unknown as FastifyInstance; // with https the raw server is a tls.Server; routes don't care
  applyHttpPolicy(app, opts.policy); // first onRequest hook: Host and query checks run before auth
  const web = loadWebBundle(opts.webDir);
  if (web.problem !== undefined) {
    ctx.logger.warn(web.problem);
  }

  declareRoutes(app);
  bodyParsers(app);
  // Every request part is declared as zod (api/types.ts) and checked by zod; no ajv (validation.ts).
  app.setValidatorCompiler(zodValidator);

  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "lineops API",
        version: ctx.version,
        description: "Deployment and monitoring for a manufacturing line.",
      },
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer" },
          // The web app's sign-in (POST /api/v1/session); changes also need X-CSRF-Token.
          session: { type: "apiKey", in: "cookie", name: SESSION_COOKIE },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    // The document publishes the JSON Schema of the zod schemas the routes validate with.
    transform: jsonSchemaTransform,
  });

  const secure = opts.https !== undefined;
  app.addHook("onRequest", authHook(ctx.tokens, { sessions: ctx.sessions, secure }));
  app.addHook("onRequest", csrfHook); // after auth: it knows whether a session cookie authenticated
  app.addHook("onRequest", mediaTypeHook);
  app.addHook(
    "onResponse",
    auditHook(ctx.audit, (err) => ctx.logger.error({ err }, "audit write failed")),
  );
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    opts.metrics.requests.inc({ method: request.method, route, code: String(reply.statusCode) });
    opts.metrics.duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((err, request, reply) => {
    const { status, body, internal } = toEnvelope(err);
    if (err instanceof TooManyRequestsError) {
      void reply.header("retry-after", String(err.retryAfterSeconds));
    }
    if (internal) {
      request.log.error({ err, url: request.url }, "request failed");
    }
    void reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    if (serveAppShell(web, request, reply)) {
      return; // a browser's reload of one of the app's pages (/explore): the app shell
    }
    const { status, body } = toEnvelope(
      ApiErrors.routeNotFound(`no route ${request.method} ${request.url.split("?")[0]}`),
    );
    void reply.code(status).send(body);
  });

  const publicRoute = { config: { role: "public" }, schema: { hide: true } } as const;
  app.get("/-/healthy", publicRoute, async () => "lineops is healthy.\n");
  app.get("/-/ready", publicRoute, async (_request, reply) => {
    if (!ctx.isReady()) {
      reply.code(503);
      return "lineops is not ready.\n";
    }
    return "lineops is ready.\n";
  });
  app.post("/-/reload", { config: { role: "admin" }, schema: { hide: true } }, async () => ctx.reload());
  // Prometheus scrapes lineops without a token; the figures are counts and latencies, no secrets.
  app.get("/metrics", publicRoute, async (_request, reply) => {
    reply.type(opts.metrics.registry.contentType);
    const own = await opts.metrics.registry.metrics();
    // The front doors' figures live in the data plane; a data plane that cannot answer (it is
    // being respawned) costs its series one scrape, never lineops's own.
    const more = await opts.moreMetrics?.().catch(() => "");
    return more ? `${own.endsWith("\n") ? own : `${own}\n`}${more}` : own;
  });
  app.get("/api/v1/openapi.json", { config: { role: "viewer" }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  app.get(
    "/api/v1/version",
    { config: { role: "viewer" }, schema: { tags: ["meta"], summary: "lineops version" } },
    async (): Promise<VersionResponse> => ({ version: ctx.version, node: process.version }),
  );

  const api = app.withTypeProvider<ZodTypeProvider>();
  statusRoutes(api, ctx);
  serviceRoutes(api, ctx);
  instanceRoutes(api, ctx);
  adminRoutes(api, ctx);
  prometheusRoutes(api, ctx.monitoring, ctx.server);
  analysisRoutes(api, ctx.monitoring);
  deploymentRoutes(api, ctx);
  sessionRoutes(api, ctx, { limiter: new SignInLimiter(opts.signInLimits), secure });
  userRoutes(api, ctx);
  if (ctx.oncall) {
    oncallRoutes(api, ctx.oncall);
  }
  if (ctx.analytics) {
    analyticsRoutes(api, ctx.analytics);
  }
  if (ctx.reports) {
    reportRoutes(api, ctx.reports);
  }
  if (ctx.infrastructure) {
    infrastructureRoutes(api, ctx.infrastructure);
  }
  if (ctx.optimizer) {
    optimizerRoutes(api, ctx.optimizer);
  }
  if (ctx.scaling) {
    scaleRoutes(api, ctx.scaling);
  }
  if (ctx.alerting) {
    alertmanagerRoutes(api, ctx.alerting, { version: ctx.version });
  }
  if (ctx.incidents) {
    incidentRoutes(api, ctx.incidents);
  }
  if (ctx.alarms) {
    alarmRoutes(api, ctx.alarms);
  }
  if (ctx.escalation) {
    escalationRoutes(api, ctx.escalation);
  }
  webRoutes(app, web);
  if (ctx.dashboard) {
    liveRoutes(api, ctx.dashboard);
    dashboardRoutes(api, ctx.dashboard.dashboards);
  }
  return app;
}
