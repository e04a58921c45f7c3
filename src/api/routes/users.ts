// User administration (admin): create, list, change role or disabled flag, set a password, remove.
// Passwords arrive in the body, are hashed with argon2id here and never leave: no response, log line
// or audit record carries one. A new password, disabling or removal ends the user's sessions.
import { JSON_TYPES } from "../body.js";
import type { ApiContext } from "../context.js";
import { ApiErrors } from "../errors.js";
import { hashPassword } from "../password.js";
import {
  nameParams,
  passwordBody,
  userBody,
  userChangeBody,
  type UserChanged,
  type UserRecord,
  type UserRemoved,
  type UsersResponse,
} from "../types.js";
import { route, type ApiApp } from "../validation.js";
import { contactBody, type PersonResponse } from "../oncall-types.js";
import type { Principal } from "../auth.js";
import { OnCallErrors } from "../../alerting/index.js";

const admin = (summary: string, accepts?: readonly string[]) => ({
  role: "admin" as const,
  tag: "users",
  summary,
  ...(accepts ? { accepts } : {}),
});

export function userRoutes(app: ApiApp, ctx: ApiContext): void {
  const { users } = ctx;
  const notFound = (name: string) => ApiErrors.userNotFound(`no user named ${JSON.stringify(name)}`);

  app.get(
    "/api/v1/users",
    route(admin("List users (never their password hashes)")),
    async (): Promise<UsersResponse> => ({ users: users.list() }),
  );

  app.post(
    "/api/v1/users",
    route(admin("Create a user who signs in with a password", JSON_TYPES), { body: userBody }),
    async (request, reply): Promise<UserRecord> => {
      const { name, role, password } = request.body;
      if (users.get(name)) {
        throw ApiErrors.userExists(`a user named ${JSON.stringify(name)} exists`);
      }
      const created = users.create(name, role, await hashPassword(password));
      if (!created) {
        // Created by a concurrent request while this one was hashing.
        throw ApiErrors.userExists(`a user named ${JSON.stringify(name)} exists`);
      }
      reply.code(201);
      return created;
    },
  );

  app.patch(
    "/api/v1/users/:name",
    route(admin("Change a user's role or disabled flag (disabling ends their sessions)", JSON_TYPES), {
      params: nameParams,
      body: userChangeBody,
    }),
    async ({ params, body }): Promise<UserChanged> => {
      const changed = users.update(params.name, {
        ...(body.role === undefined ? {} : { role: body.role }),
        ...(body.disabled === undefined ? {} : { disabled: body.disabled }),
      });
      if (!changed) {
        throw notFound(params.name);
      }
      return changed;
    },
  );

  app.put(
    "/api/v1/users/:name/password",
    route(admin("Set a user's password; ends every session of theirs", JSON_TYPES), {
      params: nameParams,
      body: passwordBody,
    }),
    async ({ params, body }): Promise<UserChanged> => {
      if (!users.get(params.name)) {
        throw notFound(params.name); // before hashing: no argon2 work for a name that is not there
      }
      const changed = users.setPassword(params.name, await hashPassword(body.password));
      const user = users.get(params.name);
      if (!changed || !user) {
        throw notFound(params.name); // removed while the password was being hashed
      }
      return { user, sessionsEnded: changed.sessionsEnded };
    },
  );

  app.delete(
    "/api/v1/users/:name",
    route(admin("Remove a user; ends every session of theirs"), { params: nameParams }),
    async ({ params }): Promise<UserRemoved> => {
      // A participant of a rotation stays until the schedules stop naming them: their turns would be gaps.
      const inUse = ctx.oncall?.schedulesNaming(params.name) ?? [];
      if (inUse.length > 0) {
        throw OnCallErrors.userInUse(
          `user ${JSON.stringify(params.name)} takes part in schedule(s) ${inUse.join(", ")}: take them off the layers first`,
        );
      }
      const removed = users.remove(params.name);
      if (!removed) {
        throw notFound(params.name);
      }
      return { removed: params.name, sessionsEnded: removed.sessionsEnded };
    },
  );

  const { oncall } = ctx;
  if (!oncall) {
    return;
  }
  // Contact methods: an admin manages anyone's, every user their own (signed in, or with a token of theirs).
  const selfOrAdmin = (principal: Principal | undefined, name: string) => {
    if (principal?.role !== "admin" && principal?.user?.name !== name) {
      throw ApiErrors.forbidden(
        `only ${JSON.stringify(name)} themselves or an admin may see or change their contact methods`,
      );
    }
  };

  app.get(
    "/api/v1/users/:name/contact",
    route(
      { role: "viewer", tag: "users", summary: "A user's contact methods (the user themselves or an admin)" },
      { params: nameParams },
    ),
    async ({ params, principal }): Promise<PersonResponse> => {
      selfOrAdmin(principal, params.name);
      const person = oncall.person(params.name);
      if (!person) {
        throw notFound(params.name);
      }
      return person;
    },
  );

  app.put(
    "/api/v1/users/:name/contact",
    route(
      {
        role: "viewer",
        tag: "users",
        summary:
          "Replace a user's contact methods (an omitted one is cleared): the user themselves or an admin",
        accepts: JSON_TYPES,
      },
      { params: nameParams, body: contactBody },
    ),
    async ({ params, body, principal }): Promise<PersonResponse> => {
      selfOrAdmin(principal, params.name);
      const person = oncall.setContact(params.name, body);
      if (!person) {
        throw notFound(params.name);
      }
      return person;
    },
  );
}
