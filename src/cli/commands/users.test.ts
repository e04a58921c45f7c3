// `lineops user` as admins run it: the compiled CLI (npm run build) against a lineops API server on a
// real port; passwords go in on standard input, never as a flag.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAlertmanagerApi, type AlertmanagerApiServer } from "../../test-support/alerting-double.js";
import { CLI, runCli } from "../../test-support/cli.js";
import { waitFor } from "../../test-support/wait.js";
import { UserRepository } from "../../store/users.js";

let server: AlertmanagerApiServer;

const cli = (args: string[], input?: string, as: "admin" | "operator" = "admin") =>
  runCli(["user", ...args], { LINEOPS_URL: server.url, LINEOPS_TOKEN: server.tokens[as] }, 20_000, input);

const signIn = (username: string, password: string) =>
  server.app.inject({ method: "POST", url: "/api/v1/session", payload: { username, password } });

beforeAll(async () => {
  server = await startAlertmanagerApi({ withAlerting: false });
});
afterAll(async () => {
  await server?.close();
});

describe("lineops user", () => {
  it("add reads the password from stdin (less its line break); the user can sign in with it", async () => {
    const add = await cli(["add", "alice", "--role", "operator", "--password-stdin"], "alice-password-1\n");
    expect([add.code, add.stderr, add.stdout]).toEqual([0, "", "user alice created (operator)\n"]);
    expect((await signIn("alice", "alice-password-1")).statusCode).toBe(200);
    const again = await cli(["add", "alice", "--role", "viewer", "--password-stdin"], "whatever-pass\n");
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/409 a user named "alice" exists/);
  });

  it("asks twice at a terminal without echoing (util-linux script gives it a pty)", async () => {
    const child = spawn(
      "script",
      ["-qec", `'${process.execPath}' '${CLI}' user add tty-user --role viewer`, "/dev/null"],
      {
        env: { ...process.env, LINEOPS_URL: server.url, LINEOPS_TOKEN: server.tokens.admin },
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      await waitFor(() => out.includes("New password for tty-user: "), 15_000, "the first prompt");
      child.stdin.write("tty-password-1\r");
      await waitFor(() => out.includes("Repeat it: "), 15_000, "the second prompt");
      child.stdin.write("tty-password-1\r");
      expect(await exited).toBe(0);
    } finally {
      child.kill();
    }
    expect(out).toContain("user tty-user created (viewer)");
    expect(out).not.toContain("tty-password-1"); // not echoed
    expect((await signIn("tty-user", "tty-password-1")).statusCode).toBe(200);
    expect((await cli(["remove", "tty-user"])).code).toBe(0);
  });

  it("refuses to run without a terminal or --password-stdin, and has no password flag", async () => {
    const noTty = await cli(["add", "bob", "--role", "viewer"]);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toMatch(/--password-stdin/);
    const flag = await cli(["add", "bob", "--role", "viewer", "--password", "hunter22"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/unknown option '--password'/);
    const role = await cli(["add", "bob", "--role", "root", "--password-stdin"], "bob-password\n");
    expect(role.code).toBe(2);
    const short = await cli(["add", "bob", "--role", "viewer", "--password-stdin"], "short\n");
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/body\.password: must be at least 8 characters/);
    expect(new UserRepository(server.db).get("bob")).toBeUndefined();
  });

  it("list --json shows users and never a password hash; an operator may not list", async () => {
    const list = await cli(["list", "--json"]);
    expect(list.code).toBe(0);
    const { users } = JSON.parse(list.stdout) as { users: Record<string, unknown>[] };
    expect(users.map((u) => [u.name, u.role, u.disabled])).toEqual([["alice", "operator", false]]);
    expect(list.stdout).not.toMatch(/argon2|passwordHash|password_hash/);
    const table = await cli(["list"]);
    expect(table.stdout).toMatch(/^USER\s+ROLE\s+STATE/);
    expect(table.stdout).toMatch(/\nalice\s+operator\s+enabled/);
    const denied = await cli(["list"], undefined, "operator");
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/403/);
  });

  it("passwd ends the user's sessions; set changes the role and disables; remove removes", async () => {
    expect((await signIn("alice", "alice-password-1")).statusCode).toBe(200);
    const passwd = await cli(["passwd", "alice", "--password-stdin", "--json"], "alice-password-2\r\n");
    expect(passwd.code).toBe(0);
    expect(JSON.parse(passwd.stdout)).toMatchObject({ user: { name: "alice" }, sessionsEnded: 2 });
    expect((await signIn("alice", "alice-password-1")).statusCode).toBe(401);
    expect((await signIn("alice", "alice-password-2")).statusCode).toBe(200);
    const set = await cli(["set", "alice", "--role", "viewer", "--disable"]);
    expect([set.code, set.stdout]).toEqual([0, "user alice: viewer, disabled\n"]);
    expect((await signIn("alice", "alice-password-2")).statusCode).toBe(401);
    expect((await cli(["set", "alice"])).code).toBe(2);
    const remove = await cli(["remove", "alice"]);
    expect([remove.code, remove.stdout]).toEqual([0, "user alice removed; 0 session(s) ended\n"]);
    const missing = await cli(["remove", "alice"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/404 no user named "alice"/);
  });

  it("audits every change with the admin token's name", async () => {
    const rows = server.db.prepare("SELECT actor, action FROM audit ORDER BY id").all() as {
      actor: string;
      action: string;
    }[];
    const actions = rows.map((r) => `${r.actor} ${r.action}`);
    for (const a of [
      "admin (admin) POST /api/v1/users",
      "admin (admin) PUT /api/v1/users/:name/password",
      "admin (admin) PATCH /api/v1/users/:name",
      "admin (admin) DELETE /api/v1/users/:name",
    ]) {
      expect(actions).toContain(a);
    }
  });
});
