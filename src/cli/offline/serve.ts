// `lineops serve` and `lineops demo`: the only commands that run the control plane in this
// process (they load the composition root lazily; every other command is an API client).
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import type { StartOptions } from "../../main.js";
import { PACKAGE_ROOT } from "../../version.js";
import { Progress } from "../progress.js";

type ServeFlags = {
  config?: string;
  dataDir?: string;
  port?: string;
  host?: string;
  line?: string;
  pretty?: boolean;
  logLevel?: StartOptions["logLevel"];
  tlsCertFile?: string;
  tlsKeyFile?: string;
  insecureListen?: boolean;
  stopLine?: boolean;
};

function parsePort(text: string | undefined, cmd: Command): number | undefined {
  if (text === undefined) {
    return undefined;
  }
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    cmd.error(`--port must be a port number (0-65535), got "${text}"`, { exitCode: 2 });
  }
  return port;
}

function withServeOptions(cmd: Command): Command {
  return cmd
    .option("-c, --config <file>", "lineops.yaml (or LINEOPS_CONFIG)")
    .option("--data-dir <dir>", "state directory (or LINEOPS_DATA_DIR; default ./.lineops)")
    .option("-p, --port <port>", "API port (or LINEOPS_PORT; default 9470)")
    .option("--host <host>", "API listen address (default 127.0.0.1; beyond loopback needs TLS)")
    .option(
      "--tls-cert-file <file>",
      "serve HTTPS with this PEM certificate (web.tls_server_config.cert_file)",
    )
    .option("--tls-key-file <file>", "and this PEM private key (web.tls_server_config.key_file)")
    .option("--insecure-listen", "allow listening beyond loopback without TLS (web.allow_insecure)")
    .option("--line <file>", "line.yaml to apply at start")
    .option("--pretty", "human-readable logs (default on a terminal)")
    .option("--log-level <level>", "fatal|error|warn|info|debug|trace|silent");
}

async function run(cmd: Command, demo: boolean): Promise<void> {
  const flags = cmd.optsWithGlobals<ServeFlags>();
  if ((flags.tlsCertFile === undefined) !== (flags.tlsKeyFile === undefined)) {
    cmd.error("--tls-cert-file and --tls-key-file go together: give both or neither", { exitCode: 2 });
  }
  const { startLineops, readDemoFile, demoUser } = await import("../../main.js");
  let adminToken: string | undefined;
  // The demo without a config of its own runs examples/lineops.yaml: defaults, the sample line and
  // the default rule pack (examples/rules/).
  const demoConfig = demo && !process.env.LINEOPS_CONFIG && !flags.config;
  const lineops = await startLineops({
    ...(flags.config ? { configFile: flags.config } : {}),
    ...(demoConfig ? { configFile: path.join(PACKAGE_ROOT, "examples", "lineops.yaml") } : {}),
    ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
    ...(flags.host ? { host: flags.host } : {}),
    ...(flags.logLevel ? { logLevel: flags.logLevel } : {}),
    ...(flags.pretty ? { pretty: true } : {}),
    ...(flags.tlsCertFile && flags.tlsKeyFile
      ? { tlsCertFile: flags.tlsCertFile, tlsKeyFile: flags.tlsKeyFile }
      : {}),
    ...(flags.insecureListen ? { allowInsecure: true } : {}),
    ...(() => {
      const port = parsePort(flags.port, cmd);
      return port === undefined ? {} : { port };
    })(),
    ...(flags.line ? { lineFile: flags.line } : {}),
    ...(demo ? { traffic: true } : {}),
    onAdminToken: (token) => {
      adminToken = token;
    },
  });
  // A graceful stop of `serve` leaves the line running (its data plane and instances outlive this
  // process and the next start re-adopts them); stopping the line is the explicit --stop-line.
  // The demo is a throwaway: its Ctrl-C stops everything it started.
  const stopLine = demo || flags.stopLine === true;
  installSignalHandlers(() => lineops.stop({ stopLine }), lineops.logger, stopLine);
  process.on("SIGHUP", () => {
    lineops.logger.info("SIGHUP: reloading the TLS certificate, rule files, alerting config and line file");
    lineops.reload().then(
      () => lineops.logger.info("configuration reloaded"),
      (err: unknown) =>
        lineops.logger.error({ err }, "reload failed; the running configuration and line are unchanged"),
    );
  });

  if (!demo) {
    process.stderr.write(`lineops ${lineops.url}\n`);
    if (adminToken) {
      process.stderr.write(`admin token (shown once, store it now): ${adminToken}\n`);
    }
    return;
  }

  // The demo: wait for the line, then say where it is and how to get in.
  const progress = new Progress();
  const timer = setInterval(() => {
    const s = lineops.deployment.status();
    progress.update(
      `starting the line: ${s.filter((x) => x.ready).length}/${s.length} services ready (${s
        .filter((x) => !x.ready)
        .map((x) => x.name)
        .join(", ")})`,
    );
  }, 250);
  await lineops.settled.finally(() => clearInterval(timer));
  const previous = readDemoFile(lineops.config.dataDir);
  const tlsCert = lineops.config.web.tls_server_config?.cert_file;
  const token =
    adminToken ??
    (previous && lineops.tokens.verify(previous.token)
      ? previous.token
      : lineops.tokens.create("demo", "admin").token);
  // A person signs in to the web app; the demo makes one operator for that.
  const web = await demoUser(lineops, previous);
  writeFileSync(
    path.join(lineops.config.dataDir, "demo.json"),
    // With TLS, the CLI trusts the served certificate from this file (self-signed or a private CA's).
    `${JSON.stringify({ url: lineops.url, token, ...web, ...(tlsCert ? { caFile: tlsCert } : {}) })}\n`,
    {
      mode: 0o600,
    },
  );
  const status = lineops.deployment.status();
  const notReady = status.filter((s) => !s.ready);
  progress.done(
    notReady.length === 0
      ? `line ready: ${status.length} services`
      : `line started with problems: ${notReady.map((s) => s.name).join(", ")} not ready (see \`lineops instances\`)`,
  );
  process.stdout.write(
    [
      "",
      `  lineops demo is running at ${lineops.url}`,
      `  web dashboard: open ${lineops.url}/ and sign in as ${web.user} / ${web.password}`,
      `  admin token: ${token}`,
      `  (also in ${path.join(lineops.config.dataDir, "demo.json")}, which the CLI reads)`,
      "",
      "  try:  npx lineops status     npx lineops instances     npx lineops logs line-controller",
      `        curl ${tlsCert ? `--cacert ${tlsCert} ` : ""}-H "Authorization: Bearer $TOKEN" ${lineops.url}/api/v1/status`,
      "",
      "  Ctrl-C stops the line and lineops.",
      "",
    ].join("\n"),
  );
}

function installSignalHandlers(
  stop: () => Promise<void>,
  logger: { info: (m: string) => void },
  stopLine: boolean,
): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      process.stderr.write(`${signal} again: exiting now\n`);
      process.exit(1);
    }
    signalled = true;
    logger.info(
      `${signal}: shutting down, ${stopLine ? "stopping the line" : "leaving the line running"} (send it again to exit at once)`,
    );
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

export function registerServeCommands(program: Command): void {
  withServeOptions(program.command("serve"))
    .description("run the lineops control plane")
    .option(
      "--stop-line",
      "on SIGTERM/SIGINT also stop the line's services and front doors (default: they keep running)",
    )
    .action(async (_opts, cmd: Command) => run(cmd, false));
  withServeOptions(program.command("demo"))
    .description("run the demo: the sample line under lineops, with traffic (what `npm start` does)")
    .action(async (_opts, cmd: Command) => run(cmd, true));
}
