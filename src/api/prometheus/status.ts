// The data of Prometheus's /api/v1/status/{config,flags,runtimeinfo} for lineops: the running
// configuration as YAML with every secret replaced by `<secret>`, the command-line flags, and the
// process facts Prometheus's status page shows, each mapped to its nearest Node.js counterpart.
import { hostname } from "node:os";
import { getHeapStatistics } from "node:v8";
import { stringify } from "yaml";
import type { ConfigOverrides, ResolvedConfig } from "../../config/config.js";
import { formatDuration } from "../../model/duration.js";

/** The options lineops was started with: `lineops serve`'s flags. */
export type StartFlags = ConfigOverrides & { pretty?: boolean; traffic?: boolean };

/** What main.ts tells the status routes about the running server. */
export type ServerInfo = {
  /** The configuration last loaded successfully (at start or by a reload). */
  config(): ResolvedConfig;
  /** The options lineops was started with (the `lineops serve` flags). */
  flags: StartFlags;
  /** ms since the epoch. */
  startTime: number;
  /** The outcome of the last config load: start, SIGHUP or POST /-/reload. */
  lastReload(): { success: boolean; at: number };
  /** The running alerting configuration, already printed with its secrets redacted. */
  alertingYaml?(): string;
};

const SECRET = "<secret>";

/**
 * Keys whose value is a secret wherever they appear (Prometheus's and Alertmanager's Secret fields).
 * Matched on the key name so a secret added to the schema later is hidden without anyone
 * remembering this list: anything named like a password, token, credential or key is redacted.
 */
const SECRET_KEY =
  /(password|passwd|secret|token|credentials|api_key|apikey|routing_key|service_key|auth_key|private_key)$/i;
/** URLs that carry their credentials in the path or query (Slack, Teams, webhooks): hidden whole, as Alertmanager's SecretURL. */
const SECRET_URL_KEY = /(^url$|_url$|webhook)/i;

/** lineops.yaml's durations, held in ms once parsed: printed back as Prometheus writes them. */
const DURATION_KEYS = new Set([
  "initialBackoff",
  "maxBackoff",
  "window",
  "stopTimeout",
  "readyTimeout",
  "evaluationInterval",
  "scrapeInterval",
  "scrapeTimeout",
  "retention",
  "walFlushInterval",
  "blockDuration",
  "timeout",
  "lookbackDelta",
  "interval",
  "scrape_interval",
  "scrape_timeout",
]);

/** A URL's password replaced, as Prometheus's config.URL prints one with user info. */
function redactUrlUserinfo(text: string): string {
  try {
    const u = new URL(text);
    if (u.password !== "") {
      u.password = SECRET;
      return u.toString().replace(encodeURIComponent(SECRET), SECRET);
    }
  } catch {
    // not a URL
  }
  return text;
}

/** A deep copy of `value` with secrets replaced and durations printed; `key` is the field it sits in. */
function redact(value: unknown, key: string | undefined): unknown {
  if (key !== undefined && SECRET_KEY.test(key) && !key.endsWith("_file")) {
    return value === undefined || value === "" ? value : SECRET;
  }
  if (typeof value === "string") {
    if (key !== undefined && SECRET_URL_KEY.test(key) && /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
      return SECRET;
    }
    return redactUrlUserinfo(value);
  }
  if (typeof value === "number" && key !== undefined && DURATION_KEYS.has(key)) {
    return formatDuration(value);
  }
  if (Array.isArray(value)) {
    return value.map((v) => redact(v, undefined));
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, redact(v, k)]),
    );
  }
  return value;
}

/**
 * The running configuration as YAML: lineops.yaml with its defaults filled in, every secret shown
 * as `<secret>`. The alerting section is the alerting engine's own redacted print (allow-listed
 * fields), not this key-name redaction, since receivers hold the most secrets.
 */
export function configYaml(info: ServerInfo): string {
  const { alerting, ...rest } = info.config();
  const doc = redact(rest, undefined) as Record<string, unknown>;
  // Inline or from alerting_file: either way the running alerting config is part of what runs.
  const configured = alerting !== undefined || rest.alertingFile !== undefined;
  const alertingText = configured ? info.alertingYaml?.() : undefined;
  const text = stringify(doc);
  return alertingText === undefined
    ? text
    : `${text}alerting:\n${alertingText
        .trimEnd()
        .split("\n")
        .map((l) => `  ${l}`)
        .join("\n")}\n`;
}

/**
 * /api/v1/status/flags: every `lineops serve` option by its flag name, as Prometheus lists every
 * flag with its value as text ("" when unset).
 */
export function flagsJson(f: StartFlags): Record<string, string> {
  const text = (v: string | number | boolean | undefined) => (v === undefined ? "" : String(v));
  return {
    config: text(f.configFile),
    "data-dir": text(f.dataDir),
    host: text(f.host),
    "insecure-listen": text(f.allowInsecure ?? false),
    line: text(f.lineFile),
    "log-level": text(f.logLevel),
    port: text(f.port),
    pretty: text(f.pretty ?? false),
    "tls-cert-file": text(f.tlsCertFile),
    "tls-key-file": text(f.tlsKeyFile),
    traffic: text(f.traffic ?? false),
  };
}

const BASE2_UNITS = ["TiB", "GiB", "MiB", "KiB"] as const;

/** Bytes as Prometheus prints a size (units.Base2Bytes): the largest binary unit that divides it. */
function base2Bytes(n: number): string {
  for (const [i, unit] of BASE2_UNITS.entries()) {
    const size = 1024 ** (BASE2_UNITS.length - i);
    if (n % size === 0) {
      return `${n / size}${unit}`;
    }
  }
  return `${n}B`;
}

/** Prometheus's "15d", "512MiB" or "15d or 512MiB". */
function retentionText(c: ResolvedConfig): string {
  const { retention, retentionBytes } = c.monitoring.tsdb;
  const parts = [
    ...(retention > 0 ? [formatDuration(retention)] : []),
    ...(retentionBytes > 0 ? [base2Bytes(retentionBytes)] : []),
  ];
  return parts.join(" or ");
}

/** Go's time.Time JSON for a time with whole seconds (Prometheus truncates lastConfigTime so). */
const isoSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");

/**
 * /api/v1/status/runtimeinfo (Prometheus 3.x's RuntimeInfo). The Go runtime's fields are filled
 * with Node's nearest facts, never invented (docs/api.md lists the mapping):
 * goroutineCount — active libuv resources (timers, sockets, handles): the concurrent tasks alive;
 * GOMAXPROCS — 1: JavaScript runs on one thread; GOMEMLIMIT — V8's heap size limit in bytes;
 * GOGC — "" (V8's collector has no such knob); GODEBUG — Node's runtime flags (execArgv);
 * corruptionCount — 0: lineops's TSDB quarantines a bad block at open and logs it, it keeps no count.
 */
export function runtimeInfoJson(info: ServerInfo, now = Date.now()) {
  const reload = info.lastReload();
  return {
    startTime: new Date(info.startTime).toISOString(),
    CWD: process.cwd(),
    hostname: hostname(),
    serverTime: new Date(now).toISOString(),
    reloadConfigSuccess: reload.success,
    lastConfigTime: isoSeconds(reload.at),
    corruptionCount: 0,
    goroutineCount: process.getActiveResourcesInfo().length,
    GOMAXPROCS: 1,
    GOMEMLIMIT: getHeapStatistics().heap_size_limit,
    GOGC: "",
    GODEBUG: process.execArgv.join(" "),
    storageRetention: retentionText(info.config()),
  };
}
