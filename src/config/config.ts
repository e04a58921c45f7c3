// Resolves the effective configuration: defaults < lineops.yaml < environment < command-line flags.
import path from "node:path";
import {
  loadAlertingConfig,
  parseAlertingConfig,
  resolveAlertingConfig,
  resolveConfigPaths,
  validateAlertingConfig,
  type AlertingConfig,
} from "../alerting/index.js";
import { loadYamlFile, parseYaml, type Validator } from "./load.js";
import { configSchema, type LineopsConfig } from "./schema.js";

export type ConfigOverrides = {
  configFile?: string;
  dataDir?: string;
  port?: number;
  host?: string;
  lineFile?: string;
  logLevel?: LineopsConfig["logging"]["level"];
  /** --tls-cert-file / --tls-key-file: both or neither; they replace web.tls_server_config. */
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** --insecure-listen: same as web.allow_insecure: true. */
  allowInsecure?: boolean;
};

export type ResolvedConfig = LineopsConfig & {
  /** The config file that was read, if any. */
  source?: string;
  /** Absolute path of the line file to apply at start, if any. */
  lineFile?: string;
  /** Absolute paths of the rule files. */
  ruleFiles: string[];
  /** Absolute path of alerting_file, if set. */
  alertingFile?: string;
  /** Absolute paths of the provisioned dashboard files. */
  dashboardFiles: string[];
};

/** lineops.yaml's whole-file checks: the alerting section's, with paths inside lineops.yaml. */
const validateConfig: Validator<LineopsConfig> = (c) => {
  const problems = c.alerting === undefined ? [] : validateAlertingConfig(c.alerting, ["alerting"]);
  if (c.alerting !== undefined && c.alerting_file !== undefined) {
    problems.push({ path: ["alerting_file"], message: "alerting and alerting_file are exclusive: use one" });
  }
  return problems;
};

export function loadConfigFile(file: string): LineopsConfig {
  return loadYamlFile(file, configSchema, validateConfig);
}

/**
 * Without an alerting configuration, alerts are still taken, grouped and shown (the API and amtool
 * work) but sent nowhere: one receiver with no integrations, as Alertmanager's "null" receiver idiom.
 */
const NO_ALERTING = 'route:\n  receiver: "null"\nreceivers:\n  - name: "null"\n';

/**
 * The alerting configuration lineops.yaml names: its `alerting:` section, the Alertmanager file of
 * `alerting_file` (read now, so a reload sees its changes), or the built-in one that sends nothing.
 * Throws ConfigError (file:line:col) for a bad file.
 */
export function alertingConfigOf(config: ResolvedConfig): AlertingConfig {
  // Files named inside the configuration are relative to the file it was read from.
  if (config.alerting !== undefined) {
    const dir = config.source ? path.dirname(path.resolve(config.source)) : process.cwd();
    return resolveConfigPaths(resolveAlertingConfig(config.alerting), dir);
  }
  if (config.alertingFile !== undefined) {
    return resolveConfigPaths(loadAlertingConfig(config.alertingFile), path.dirname(config.alertingFile));
  }
  return parseAlertingConfig(NO_ALERTING, "(built-in alerting configuration)");
}

/** Reads the config file named by flags or LINEOPS_CONFIG (none is fine) and applies overrides. */
export function resolveConfig(
  flags: ConfigOverrides,
  processEnv: NodeJS.ProcessEnv = process.env,
): ResolvedConfig {
  // An empty variable counts as unset, as shells and CI templates often export "".
  const env = Object.fromEntries(Object.entries(processEnv).filter(([, v]) => v !== undefined && v !== ""));
  const source = flags.configFile ?? env.LINEOPS_CONFIG;
  const base = source ? loadConfigFile(source) : parseYaml("{}", "(defaults)", configSchema, validateConfig);
  const envPort = env.LINEOPS_PORT === undefined ? undefined : Number(env.LINEOPS_PORT);
  if (envPort !== undefined && !(Number.isInteger(envPort) && envPort >= 0 && envPort < 65536)) {
    throw new Error(`LINEOPS_PORT: "${env.LINEOPS_PORT}" is not a port number`);
  }
  const configuredLine =
    base.line.file && source ? path.resolve(path.dirname(source), base.line.file) : undefined;
  const lineFile = flags.lineFile ? path.resolve(flags.lineFile) : configuredLine;
  if ((flags.tlsCertFile === undefined) !== (flags.tlsKeyFile === undefined)) {
    throw new Error("--tls-cert-file and --tls-key-file go together: give both or neither");
  }
  const relative = (f: string) => path.resolve(source ? path.dirname(source) : process.cwd(), f);
  const tlsFiles =
    flags.tlsCertFile !== undefined && flags.tlsKeyFile !== undefined
      ? { cert_file: path.resolve(flags.tlsCertFile), key_file: path.resolve(flags.tlsKeyFile) }
      : base.web.tls_server_config && {
          cert_file: relative(base.web.tls_server_config.cert_file),
          key_file: relative(base.web.tls_server_config.key_file),
        };
  return {
    ...base,
    source,
    dataDir: path.resolve(flags.dataDir ?? env.LINEOPS_DATA_DIR ?? base.dataDir),
    server: {
      ...base.server,
      port: flags.port ?? envPort ?? base.server.port,
      host: flags.host ?? base.server.host,
    },
    web: {
      ...base.web,
      ...(tlsFiles ? { tls_server_config: tlsFiles } : {}),
      allow_insecure: flags.allowInsecure === true || base.web.allow_insecure,
    },
    logging: { level: flags.logLevel ?? base.logging.level },
    lineFile,
    ruleFiles: base.rule_files.map(relative),
    dashboardFiles: base.dashboard_files.map(relative),
    ...(base.alerting_file !== undefined ? { alertingFile: relative(base.alerting_file) } : {}),
  };
}
