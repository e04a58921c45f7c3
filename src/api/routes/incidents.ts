// Incident routes: list and read incidents with their alerts and timeline (viewer); acknowledge,
// resolve, snooze, reassign, annotate and mint one-click links (operator, audited with the acting
// principal); and the one-click links themselves (public: the signature is the credential). A link's
// GET only shows a confirm page, so a chat app's link preview never acknowledges anything; its POST acts.
import { z } from "zod";
import {
  IncidentErrors,
  LINK_ACTIONS,
  TOKEN_PATTERN,
  type IncidentManager,
  type LinkAction,
} from "../../alerting/index.js";
import { LineopsError } from "../../errors.js";
import { parseDuration } from "../../model/duration.js";
import { JSON_TYPES } from "../body.js";
import { toEnvelope } from "../errors.js";
import { route, type ApiApp, type RouteDoc } from "../validation.js";

const doc = (role: RouteDoc["role"], summary: string, accepts?: readonly string[]): RouteDoc => ({
  role,
  tag: "incidents",
  summary,
  ...(accepts ? { accepts } : {}),
});

type Status = "triggered" | "acknowledged" | "resolved";
const idParams = z.strictObject({ id: z.string().regex(/^[1-9][0-9]{0,12}$/, "an incident id (a number)") });
const listQuery = z.strictObject({
  /** Comma-separated statuses, or "open" (triggered and acknowledged). Default: every status. */
  status: z
    .string()
    .max(100)
    .regex(
      /^(open|(triggered|acknowledged|resolved)(,(triggered|acknowledged|resolved))*)$/,
      "open, or statuses separated by commas (triggered, acknowledged, resolved)",
    )
    .optional(),
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,3}$/, "1 to 1000")
    .optional(),
});
const snoozeBody = z
  .strictObject({
    /** Until when: RFC 3339 or Unix seconds. */
    until: z.union([z.string().max(40), z.number()]).optional(),
    /** For how long: a duration (30m, 2h). */
    for: z.string().max(20).optional(),
  })
  .refine((b) => (b.until === undefined) !== (b.for === undefined), "give until or for (one of them)");
const reassignBody = z.strictObject({ assignee: z.string().min(1).max(100) });
const noteBody = z.strictObject({ text: z.string().min(1).max(4000) });
const linkBody = z.strictObject({
  action: z.enum(LINK_ACTIONS as unknown as [LinkAction, ...LinkAction[]]).default("acknowledge"),
  /** How long the link works (default: the configured ackLinkTtl). */
  ttl: z.string().max(20).optional(),
});
const tokenParams = z.strictObject({
  token: z.string().max(100).regex(TOKEN_PATTERN, "a one-click link token"),
});

function untilOf(
  body: { until?: string | number | undefined; for?: string | undefined },
  now: number,
): number {
  if (body.for !== undefined) {
    const ms = parseDuration(body.for);
    if (ms === undefined || ms <= 0) {
      throw IncidentErrors.invalid(
        `body.for: ${JSON.stringify(body.for)} is not a positive duration (30m, 2h)`,
      );
    }
    return now + ms;
  }
  const u = body.until;
  const ms =
    typeof u === "number" ? u * 1000 : /^\d+(\.\d+)?$/.test(u ?? "") ? Number(u) * 1000 : Date.parse(u ?? "");
  if (!Number.isFinite(ms)) {
    throw IncidentErrors.invalid(`body.until: ${JSON.stringify(u)} is neither RFC 3339 nor Unix seconds`);
  }
  return Math.round(ms);
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );

/** A small self-contained page: no script, no external asset (it may open on a phone from a chat app). */
function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)} · lineops</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}
button{font:inherit;padding:.6rem 1.2rem;cursor:pointer}.reason{color:#555}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>
`;
}

const wantsHtml = (accept: string | undefined) => /text\/html/i.test(accept ?? "");

export function incidentRoutes(app: ApiApp, incidents: IncidentManager): void {
  const actor = (p: { name: string; role: string } | undefined) =>
    p ? `${p.name} (${p.role})` : "anonymous";

  app.get(
    "/api/v1/incidents",
    route(doc("viewer", "Incidents, newest first"), { querystring: listQuery }),
    async ({ query }) => {
      const statuses =
        query.status === undefined
          ? undefined
          : query.status === "open"
            ? (["triggered", "acknowledged"] as const)
            : (query.status.split(",") as Status[]);
      return {
        incidents: incidents.list({
          ...(statuses ? { statuses } : {}),
          ...(query.limit ? { limit: Number(query.limit) } : {}),
        }),
      };
    },
  );

  app.get(
    "/api/v1/incidents/:id",
    route(
      doc("viewer", "One incident: its alerts (root cause and children), timeline and root-cause reasoning"),
      {
        params: idParams,
      },
    ),
    async ({ params }) => incidents.get(Number(params.id)),
  );

  const change = (path: string, summary: string, act: (id: number, who: string) => unknown) =>
    app.post(
      `/api/v1/incidents/:id/${path}`,
      route(doc("operator", summary), { params: idParams }),
      async (request) => {
        request.auditDetail = `incident ${request.params.id}: ${path}`;
        return act(Number(request.params.id), actor(request.principal));
      },
    );
  change("acknowledge", "Acknowledge an incident (stops its escalation)", (id, who) =>
    incidents.acknowledge(id, who),
  );
  change("resolve", "Resolve an incident", (id, who) => incidents.resolve(id, who));

  app.post(
    "/api/v1/incidents/:id/snooze",
    route(
      doc(
        "operator",
        "Snooze an incident until a time (acknowledged until then, triggered after)",
        JSON_TYPES,
      ),
      {
        params: idParams,
        body: snoozeBody,
      },
    ),
    async (request) => {
      const until = untilOf(request.body, Date.now());
      request.auditDetail = `incident ${request.params.id}: snooze until ${new Date(until).toISOString()}`;
      return incidents.snooze(Number(request.params.id), until, actor(request.principal));
    },
  );

  app.post(
    "/api/v1/incidents/:id/reassign",
    route(doc("operator", "Reassign an incident to a user, team or schedule", JSON_TYPES), {
      params: idParams,
      body: reassignBody,
    }),
    async (request) => {
      request.auditDetail = `incident ${request.params.id}: reassign to ${request.body.assignee}`;
      return incidents.reassign(Number(request.params.id), request.body.assignee, actor(request.principal));
    },
  );

  app.post(
    "/api/v1/incidents/:id/notes",
    route(doc("operator", "Add a note to an incident's timeline", JSON_TYPES), {
      params: idParams,
      body: noteBody,
    }),
    async (request, reply) => {
      request.auditDetail = `incident ${request.params.id}: note`;
      const detail = incidents.note(Number(request.params.id), request.body.text, actor(request.principal));
      reply.code(201);
      return detail;
    },
  );

  app.post(
    "/api/v1/incidents/:id/links",
    route(doc("operator", "Mint a signed, expiring, single-use one-click link for an incident", JSON_TYPES), {
      params: idParams,
      body: linkBody.optional(),
    }),
    async (request, reply) => {
      const body = request.body ?? { action: "acknowledge" as const };
      let ttl: number | undefined;
      if (body.ttl !== undefined) {
        ttl = parseDuration(body.ttl);
        if (ttl === undefined || ttl <= 0 || ttl > 30 * 86_400_000) {
          throw IncidentErrors.invalid(`body.ttl: ${JSON.stringify(body.ttl)} is not a duration up to 30d`);
        }
      }
      request.auditDetail = `incident ${request.params.id}: one-click ${body.action} link`;
      const link = incidents.link(Number(request.params.id), body.action, ttl);
      reply.code(201);
      return link;
    },
  );

  /** A link's failure as the client reads it: a page for a browser, the JSON envelope otherwise. */
  const refuse = (
    err: unknown,
    html: boolean,
    reply: { code(n: number): unknown; type(t: string): unknown },
  ) => {
    if (!html || !(err instanceof LineopsError)) {
      throw err;
    }
    const { status } = toEnvelope(err);
    reply.code(status);
    reply.type("text/html; charset=utf-8");
    return page("This link cannot be used", `<p>${escapeHtml(err.message)}</p><p>Nothing was changed.</p>`);
  };

  app.get(
    "/api/v1/incident-links/:token",
    route(doc("public", "What a one-click link would do: a confirm page (GET never acts)"), {
      params: tokenParams,
    }),
    async (request, reply) => {
      const html = wantsHtml(request.headers.accept);
      try {
        const what = incidents.inspectLink(request.params.token);
        reply.header("cache-control", "no-store");
        if (!html) {
          return what;
        }
        reply.type("text/html; charset=utf-8");
        const i = what.incident;
        return page(
          `${what.action === "acknowledge" ? "Acknowledge" : "Resolve"} incident ${i.id}?`,
          `<p><strong>${escapeHtml(i.title)}</strong> — ${escapeHtml(i.status)}, priority ${escapeHtml(i.priority)}, ${i.firingCount} of ${i.alertCount} alerts firing.</p>
${i.rootCause ? `<p class="reason">Probable root cause: ${escapeHtml(i.rootCause.service)} (${escapeHtml(i.rootCause.reason)})</p>` : ""}
<form method="post"><button type="submit">${what.action === "acknowledge" ? "Acknowledge" : "Resolve"}</button></form>
<p class="reason">This link works once and expires ${escapeHtml(new Date(what.expiresAt).toISOString())}.</p>`,
        );
      } catch (err) {
        return refuse(err, html, reply);
      }
    },
  );

  app.post(
    "/api/v1/incident-links/:token",
    route(doc("public", "Act on a one-click link, once (the signed token is the credential)"), {
      params: tokenParams,
    }),
    async (request, reply) => {
      const html = wantsHtml(request.headers.accept);
      request.auditDetail = "one-click link";
      try {
        const detail = incidents.useLink(request.params.token, "one-click link");
        request.auditDetail = `incident ${detail.id}: ${detail.status} through a one-click link`;
        reply.header("cache-control", "no-store");
        if (!html) {
          return detail;
        }
        reply.type("text/html; charset=utf-8");
        return page(
          `Incident ${detail.id} ${detail.status}`,
          `<p><strong>${escapeHtml(detail.title)}</strong> is now ${escapeHtml(detail.status)}. Thank you.</p>`,
        );
      } catch (err) {
        return refuse(err, html, reply);
      }
    },
  );
}
