// `lineops user`: the web app's users, through the admin routes of the API (/api/v1/users) like
// every online command — so the running server hashes the password, ends sessions and audits the
// change. The first admin user is created with the admin token `lineops serve`/`demo` prints (or a
// recovered one from `lineops admin-token`); see docs/security.md.
import type { Command } from "commander";
import type {
  UserChanged,
  UserChangeRequest,
  UserRecord,
  UserRemoved,
  UserRequest,
  UsersResponse,
} from "../../api/types.js";
import type { ContactRequest, PersonResponse } from "../../api/types.js";
import { apiClient, printRows, wantsJson } from "../command.js";
import { printJson } from "../output.js";
import { readNewPassword } from "../password-input.js";

const ROLES = ["viewer", "operator", "admin"] as const;
const userPath = (name: string) => `/api/v1/users/${encodeURIComponent(name)}`;

function roleOption(cmd: Command, role: string | undefined): UserRequest["role"] | undefined {
  if (role === undefined) {
    return undefined;
  }
  if (!(ROLES as readonly string[]).includes(role)) {
    cmd.error(`--role must be one of ${ROLES.join(", ")}, got "${role}"`, { exitCode: 2 });
  }
  return role as UserRequest["role"];
}

const time = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

export function registerUserCommands(program: Command): void {
  const user = program.command("user").description("manage the users who sign in to the web app (admin)");

  user
    .command("add")
    .description("create a user; the password is asked at the terminal or read with --password-stdin")
    .argument("<name>", "user name (letters, digits, . _ @ -)")
    .requiredOption("--role <role>", `viewer, operator or admin`)
    .option("--password-stdin", "read the password from standard input (one line)")
    .option("--json", "print JSON")
    .action(async (name: string, opts: { role: string; passwordStdin?: boolean }, cmd: Command) => {
      const role = roleOption(cmd, opts.role) as UserRequest["role"];
      const password = await readNewPassword(name, opts.passwordStdin);
      const body: UserRequest = { name, role, password };
      const created = await apiClient(cmd).post<UserRecord>("/api/v1/users", body);
      if (wantsJson(cmd)) {
        printJson(created);
      } else {
        process.stdout.write(`user ${created.name} created (${created.role})\n`);
      }
    });

  user
    .command("passwd")
    .description("set a user's password (ends every session of theirs)")
    .argument("<name>", "user name")
    .option("--password-stdin", "read the password from standard input (one line)")
    .option("--json", "print JSON")
    .action(async (name: string, opts: { passwordStdin?: boolean }, cmd: Command) => {
      const password = await readNewPassword(name, opts.passwordStdin);
      const res = await apiClient(cmd).put<UserChanged>(`${userPath(name)}/password`, { password });
      if (wantsJson(cmd)) {
        printJson(res);
      } else {
        process.stdout.write(`password of ${name} changed; ${res.sessionsEnded} session(s) ended\n`);
      }
    });

  user
    .command("set")
    .description("change a user's role, or disable / enable them (disabling ends their sessions)")
    .argument("<name>", "user name")
    .option("--role <role>", "viewer, operator or admin")
    .option("--disable", "refuse their sign-ins and end their sessions")
    .option("--enable", "allow their sign-ins again")
    .option("--json", "print JSON")
    .action(
      async (name: string, opts: { role?: string; disable?: boolean; enable?: boolean }, cmd: Command) => {
        if (opts.disable && opts.enable) {
          cmd.error("--disable and --enable contradict each other", { exitCode: 2 });
        }
        const role = roleOption(cmd, opts.role);
        const disabled = opts.disable ? true : opts.enable ? false : undefined;
        if (role === undefined && disabled === undefined) {
          cmd.error("nothing to change: give --role, --disable or --enable", { exitCode: 2 });
        }
        const body: UserChangeRequest = {
          ...(role === undefined ? {} : { role }),
          ...(disabled === undefined ? {} : { disabled }),
        };
        const res = await apiClient(cmd).patch<UserChanged>(userPath(name), body);
        if (wantsJson(cmd)) {
          printJson(res);
        } else {
          const state = res.user.disabled ? "disabled" : "enabled";
          process.stdout.write(`user ${name}: ${res.user.role}, ${state}\n`);
        }
      },
    );

  user
    .command("list")
    .description("list users (never their passwords)")
    .option("--json", "print JSON")
    .action(async (_opts, cmd: Command) => {
      const res = await apiClient(cmd).get<UsersResponse>("/api/v1/users");
      printRows(cmd, res, ["USER", "ROLE", "STATE", "CREATED", "PASSWORD SET"], res.users, (u) => [
        u.name,
        u.role,
        u.disabled ? "disabled" : "enabled",
        time(u.createdAt),
        time(u.passwordChangedAt),
      ]);
    });

  user
    .command("remove")
    .description("remove a user (ends every session of theirs)")
    .argument("<name>", "user name")
    .option("--json", "print JSON")
    .action(async (name: string, _opts, cmd: Command) => {
      const res = await apiClient(cmd).delete<UserRemoved>(userPath(name));
      if (wantsJson(cmd)) {
        printJson(res);
      } else {
        process.stdout.write(`user ${name} removed; ${res.sessionsEnded} session(s) ended\n`);
      }
    });

  user
    .command("contact")
    .description(
      "show or change a user's contact methods (an admin, or the user with a token of their own); " +
        "given options change only those methods",
    )
    .argument("<name>", "user name")
    .option("--email <address>", "e-mail address")
    .option("--phone <e164>", "phone number in E.164, e.g. +4915112345678")
    .option("--chat <handle>", "chat handle, e.g. @alice")
    .option("--andon <line/station>", "andon board position, e.g. line-1/press")
    .option("--timezone <iana>", "IANA time zone, e.g. Europe/Berlin")
    .option("--clear", "clear every method not given")
    .option("--json", "print JSON")
    .action(async (name: string, opts: ContactFlags, cmd: Command) => {
      const client = apiClient(cmd);
      const path = `${userPath(name)}/contact`;
      const current = await client.get<PersonResponse>(path);
      let res = current;
      const changes = ["email", "phone", "chat", "andon", "timezone"].some((k) => k in opts);
      if (changes || opts.clear) {
        let andon: ContactRequest["andon"];
        if (opts.andon !== undefined) {
          const [line, station, ...rest] = opts.andon.split("/");
          if (!line || !station || rest.length > 0) {
            cmd.error(`--andon must be LINE/STATION, got "${opts.andon}"`, { exitCode: 2 });
          }
          andon = { line, station };
        }
        const body: ContactRequest = {
          ...(opts.clear ? {} : current.contact),
          ...(opts.email === undefined ? {} : { email: opts.email }),
          ...(opts.phone === undefined ? {} : { phone: opts.phone }),
          ...(opts.chat === undefined ? {} : { chat: opts.chat }),
          ...(andon === undefined ? {} : { andon }),
          ...(opts.timezone === undefined ? {} : { timezone: opts.timezone }),
        };
        res = await client.put<PersonResponse>(path, body);
      }
      if (wantsJson(cmd)) {
        printJson(res);
      } else {
        const c = res.contact;
        const lines = [
          `user ${res.name}`,
          `  email     ${c.email ?? "-"}`,
          `  phone     ${c.phone ?? "-"}`,
          `  chat      ${c.chat ?? "-"}`,
          `  andon     ${c.andon ? `${c.andon.line}/${c.andon.station}` : "-"}`,
          `  timezone  ${c.timezone ?? "-"}`,
        ];
        process.stdout.write(`${lines.join("\n")}\n`);
      }
    });
}

type ContactFlags = {
  email?: string;
  phone?: string;
  chat?: string;
  andon?: string;
  timezone?: string;
  clear?: boolean;
};
