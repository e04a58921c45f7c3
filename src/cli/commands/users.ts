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
}
