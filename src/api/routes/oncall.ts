// Teams, on-call schedules, overrides and "who is on call": viewers read, admins write (every write
// audited by the audit hook). The schedule logic is alerting/oncall (OnCallDirectory): a bad schedule
// is refused with the field at fault and nothing is written.
import type { OnCallDirectory } from "../../alerting/index.js";
import { JSON_TYPES } from "../body.js";
import {
  atQuery,
  overrideBody,
  overrideParams,
  rangeQuery,
  scheduleBody,
  teamBody,
  teamMembersBody,
  type OnCallAllResponse,
  type OnCallResponse,
  type OverrideResponse,
  type Removed,
  type ScheduleResponse,
  type SchedulesResponse,
  type ScheduleSaved,
  type ShiftsResponse,
  type TeamResponse,
  type TeamsResponse,
} from "../oncall-types.js";
import { OnCallErrors } from "../../alerting/index.js";
import { nameParams } from "../types.js";
import { route, type ApiApp } from "../validation.js";

const viewer = (summary: string) => ({ role: "viewer" as const, tag: "oncall", summary });
const admin = (summary: string, accepts?: readonly string[]) => ({
  role: "admin" as const,
  tag: "oncall",
  summary,
  ...(accepts ? { accepts } : {}),
});

export function oncallRoutes(app: ApiApp, oncall: OnCallDirectory, now: () => number = Date.now): void {
  const by = (p: { name: string; user?: { name: string } } | undefined) =>
    p?.user?.name ?? p?.name ?? "anonymous";
  const teamNotFound = (name: string) => OnCallErrors.teamNotFound(`no team named ${JSON.stringify(name)}`);
  const scheduleNotFound = (name: string) =>
    OnCallErrors.scheduleNotFound(`no schedule named ${JSON.stringify(name)}`);

  app.get(
    "/api/v1/teams",
    route(viewer("List teams and their members")),
    async (): Promise<TeamsResponse> => ({
      teams: oncall.teams(),
    }),
  );

  app.get(
    "/api/v1/teams/:name",
    route(viewer("A team and its members"), { params: nameParams }),
    async ({ params }): Promise<TeamResponse> => {
      const team = oncall.team(params.name);
      if (!team) {
        throw teamNotFound(params.name);
      }
      return team;
    },
  );

  app.post(
    "/api/v1/teams",
    route(admin("Create a team", JSON_TYPES), { body: teamBody }),
    async ({ body }, reply): Promise<TeamResponse> => {
      const team = oncall.createTeam(body.name, body.members);
      reply.code(201);
      return team;
    },
  );

  app.put(
    "/api/v1/teams/:name",
    route(admin("Replace a team's members", JSON_TYPES), { params: nameParams, body: teamMembersBody }),
    async ({ params, body }): Promise<TeamResponse> => oncall.setTeamMembers(params.name, body.members),
  );

  app.delete(
    "/api/v1/teams/:name",
    route(admin("Remove a team (its schedules stay, without a team)"), { params: nameParams }),
    async ({ params }): Promise<Removed> => {
      oncall.removeTeam(params.name);
      return { removed: params.name };
    },
  );

  app.get(
    "/api/v1/schedules",
    route(viewer("List on-call schedules with their layers and overrides")),
    async (): Promise<SchedulesResponse> => ({ schedules: oncall.schedules() }),
  );

  app.get(
    "/api/v1/schedules/:name",
    route(viewer("An on-call schedule"), { params: nameParams }),
    async ({ params }): Promise<ScheduleResponse> => {
      const s = oncall.schedule(params.name);
      if (!s) {
        throw scheduleNotFound(params.name);
      }
      return s;
    },
  );

  app.put(
    "/api/v1/schedules/:name",
    route(admin("Create or replace a schedule's layers, zone and team (overrides stay)", JSON_TYPES), {
      params: nameParams,
      body: scheduleBody,
    }),
    async ({ params, body, principal }, reply): Promise<ScheduleSaved> => {
      if (!/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/.test(params.name)) {
        throw OnCallErrors.invalidSchedule(
          "name: must be 1-64 letters, digits, . _ @ - starting with a letter or digit",
        );
      }
      const saved = oncall.putSchedule(params.name, body, by(principal));
      reply.code(saved.created ? 201 : 200);
      return saved;
    },
  );

  app.delete(
    "/api/v1/schedules/:name",
    route(admin("Remove a schedule and its overrides"), { params: nameParams }),
    async ({ params }): Promise<Removed> => {
      oncall.removeSchedule(params.name);
      return { removed: params.name };
    },
  );

  app.post(
    "/api/v1/schedules/:name/overrides",
    route(admin("Put a person on call for a time range, over every layer", JSON_TYPES), {
      params: nameParams,
      body: overrideBody,
    }),
    async ({ params, body, principal }, reply): Promise<OverrideResponse> => {
      const o = oncall.addOverride(params.name, body, by(principal));
      reply.code(201);
      return o;
    },
  );

  app.delete(
    "/api/v1/schedules/:name/overrides/:id",
    route(admin("Remove an override"), { params: overrideParams }),
    async ({ params, principal }): Promise<Removed> => {
      oncall.removeOverride(params.name, params.id, by(principal));
      return { removed: params.id };
    },
  );

  app.get(
    "/api/v1/schedules/:name/shifts",
    route(viewer("The final schedule over a range (at most 400 days): shifts with start, end and user"), {
      params: nameParams,
      querystring: rangeQuery,
    }),
    async ({ params, query }): Promise<ShiftsResponse> => {
      const s = oncall.schedule(params.name);
      if (!s) {
        throw scheduleNotFound(params.name);
      }
      return {
        schedule: s.name,
        timezone: s.timezone,
        from: query.from,
        to: query.to,
        shifts: oncall.shifts(params.name, query.from, query.to),
      };
    },
  );

  app.get(
    "/api/v1/schedules/:name/oncall",
    route(viewer("Who is on call on the schedule (now, or at ?at=), with their contact methods"), {
      params: nameParams,
      querystring: atQuery,
    }),
    async ({ params, query }): Promise<OnCallResponse> => oncall.onCall(params.name, query.at ?? now()),
  );

  app.get(
    "/api/v1/oncall",
    route(viewer("Who is on call on every schedule (now, or at ?at=)"), { querystring: atQuery }),
    async ({ query }): Promise<OnCallAllResponse> => {
      const at = query.at ?? now();
      return { at, oncall: oncall.onCallEverywhere(at) };
    },
  );
}
