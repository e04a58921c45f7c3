// Where the CLI finds the token and the CA (flags, files, environment, demo file, in that order),
// and that it talks HTTPS to a lineops serving a self-signed certificate, as the compiled CLI.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLineops, type Lineops } from "../main.js";
import { runCli } from "../test-support/cli.js";
import { tempDir } from "../test-support/line.js";
import { makeCert, type TestCert } from "../test-support/tls.js";
import { ApiClient, CliError, resolveConnection, type ConnectionFlags } from "./client.js";

describe("resolveConnection", () => {
  const dir = tempDir();
  const files = {
    flagFile: path.join(dir, "flag-token"),
    envFile: path.join(dir, "env-token"),
    empty: path.join(dir, "empty"),
  };
  writeFileSync(files.flagFile, "from-flag-file\n");
  writeFileSync(files.envFile, "  from-env-file\r\n");
  writeFileSync(files.empty, "\n");
  const dataDir = path.join(dir, "data");
  writeFileSync(path.join(dir, "ca.pem"), "not really a PEM, only read\n");
  const demoDir = tempDir();
  writeFileSync(
    path.join(demoDir, "demo.json"),
    JSON.stringify({ url: "https://127.0.0.1:1", token: "from-demo", caFile: path.join(dir, "ca.pem") }),
  );

  it.each<[string, ConnectionFlags, NodeJS.ProcessEnv, string]>([
    [
      "--token wins over everything",
      { token: "from-flag", tokenFile: files.flagFile },
      { LINEOPS_TOKEN: "e" },
      "from-flag",
    ],
    [
      "--token-file before the environment",
      { tokenFile: files.flagFile },
      { LINEOPS_TOKEN: "e" },
      "from-flag-file",
    ],
    [
      "LINEOPS_TOKEN before LINEOPS_TOKEN_FILE",
      {},
      { LINEOPS_TOKEN: "env", LINEOPS_TOKEN_FILE: files.envFile },
      "env",
    ],
    ["LINEOPS_TOKEN_FILE, trimmed", {}, { LINEOPS_TOKEN_FILE: files.envFile }, "from-env-file"],
    [
      "an empty LINEOPS_TOKEN counts as unset",
      {},
      { LINEOPS_TOKEN: "", LINEOPS_TOKEN_FILE: files.envFile },
      "from-env-file",
    ],
    ["the demo file last", { dataDir: demoDir }, {}, "from-demo"],
  ])("%s", (_name, flags, env, token) => {
    const conn = resolveConnection({ url: "http://127.0.0.1:1", dataDir, ...flags }, env);
    expect(conn.token).toBe(token);
  });

  it.each<[string, ConnectionFlags, NodeJS.ProcessEnv]>([
    ["a missing --token-file", { tokenFile: path.join(dir, "nope") }, {}],
    ["an empty --token-file", { tokenFile: files.empty }, {}],
    ["a missing LINEOPS_TOKEN_FILE", {}, { LINEOPS_TOKEN_FILE: path.join(dir, "nope") }],
    ["a missing --ca-file", { token: "t", caFile: path.join(dir, "nope") }, {}],
  ])("%s is a usage error (exit 2)", (_name, flags, env) => {
    const run = () => resolveConnection({ url: "https://127.0.0.1:1", dataDir, ...flags }, env);
    expect(run).toThrow(CliError);
    expect(run).toThrow(expect.objectContaining({ exitCode: 2 }));
  });

  it("takes the demo file's caFile only for the demo file's URL", () => {
    expect(resolveConnection({ dataDir: demoDir }, {}).ca).toContain("not really a PEM");
    expect(resolveConnection({ dataDir: demoDir, url: "https://elsewhere:9470" }, {}).ca).toBeUndefined();
    expect(resolveConnection({ dataDir: demoDir }, { LINEOPS_CA_FILE: files.envFile }).ca).toContain(
      "from-env-file",
    );
  });
});

describe("the CLI over HTTPS", () => {
  let cert: TestCert;
  let lineops: Lineops;
  let admin = "";
  let dir = "";

  beforeAll(async () => {
    dir = tempDir();
    cert = makeCert(dir, "cli");
    lineops = await startLineops({
      dataDir: path.join(dir, "data"),
      port: 0,
      tlsCertFile: cert.certFile,
      tlsKeyFile: cert.keyFile,
      logger: pino({ level: "silent" }),
      onAdminToken: (t) => {
        admin = t;
      },
    });
  });

  afterAll(async () => {
    await lineops?.stop();
  });

  it("verifies the server against --ca-file, and refuses it without", async () => {
    const trusted = new ApiClient({ url: lineops.url, token: admin, ca: cert.pem });
    await expect(trusted.get("/api/v1/version")).resolves.toHaveProperty("version");
    const untrusted = new ApiClient({ url: lineops.url, token: admin });
    await expect(untrusted.get("/api/v1/version")).rejects.toThrow(
      /cannot reach lineops .*(SELF_SIGNED|CERT)/,
    );
  });

  it.each<[string, string[], NodeJS.ProcessEnv]>([
    ["--token-file and --ca-file", ["--token-file", "TOKEN_FILE", "--ca-file", "CA_FILE"], {}],
    [
      "LINEOPS_TOKEN_FILE and LINEOPS_CA_FILE",
      [],
      { LINEOPS_TOKEN_FILE: "TOKEN_FILE", LINEOPS_CA_FILE: "CA_FILE" },
    ],
    ["LINEOPS_TOKEN", ["--ca-file", "CA_FILE"], { LINEOPS_TOKEN: "TOKEN" }],
  ])("the compiled CLI authenticates with %s (npm run build first)", async (_name, args, env) => {
    const tokenFile = path.join(dir, "token");
    writeFileSync(tokenFile, `${admin}\n`, { mode: 0o600 });
    const fill = (s: string) =>
      s === "TOKEN_FILE" ? tokenFile : s === "CA_FILE" ? cert.certFile : s === "TOKEN" ? admin : s;
    const r = await runCli(
      ["status", "--json", "--url", lineops.url, "--data-dir", path.join(dir, "nowhere"), ...args.map(fill)],
      Object.fromEntries(Object.entries(env).map(([k, v]) => [k, fill(v ?? "")])),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveProperty("services");
  });
});
