// The functions Prometheus gives alerting and recording-rule templates (template/template.go and
// prometheus/common's helpers/templates), the data it binds, and expandAlertTemplate, which
// prepends the $labels/$value/$externalLabels/$externalURL declarations as Prometheus does.
// `query` is the caller's: it runs PromQL, which this pure module cannot.
import { parseDuration as parseModelDuration } from "../duration.js";
import { compileSearchRegex, replaceAllSearch } from "../regexp.js";
import type { TemplateFunction } from "./builtins.js";
import { ArgumentError } from "./errors.js";
import { queryEscape } from "./fmt.js";
import { formatFloat } from "./gofloat.js";
import { parseTemplate, type ExecuteOptions, type Template } from "./template.js";
import { GoStruct, goTypeName, stringMap } from "./values.js";

/** One element of a query result as the caller's query function returns it. */
export type QuerySample = { labels: Readonly<Record<string, string>>; value: number };
export type QueryFunction = (expr: string) => readonly QuerySample[] | Promise<readonly QuerySample[]>;

/** Prometheus's template `sample`: a *sample with Labels and Value, as templates see query results. */
function toTemplateSample(s: QuerySample): GoStruct {
  return new GoStruct("template.sample", { Labels: stringMap(s.labels), Value: s.value }, {}, true);
}

/** Wraps the caller's query so templates get Prometheus's sample structs (.Labels, .Value). */
export function templateQuery(query: QueryFunction): TemplateFunction {
  return (...args: unknown[]) => {
    expectArgs("query", args, 1);
    const expr = expectString(args[0]);
    const result = query(expr);
    return result instanceof Promise
      ? result.then((r) => r.map(toTemplateSample))
      : result.map(toTemplateSample);
  };
}

function expectArgs(name: string, args: readonly unknown[], n: number): void {
  if (args.length !== n) {
    throw new ArgumentError(`wrong number of args for ${name}: want ${n} got ${args.length}`);
  }
}

function expectString(v: unknown): string {
  if (typeof v !== "string") {
    throw new ArgumentError(`wrong type for value; expected string; got ${goTypeName(v)}`);
  }
  return v;
}

function expectSample(v: unknown): GoStruct {
  if (v instanceof GoStruct && v.typeName === "template.sample") {
    return v;
  }
  if (v === null || v === undefined) {
    throw new Error("invalid memory address or nil pointer dereference");
  }
  throw new ArgumentError(`wrong type for value; expected *template.sample; got ${goTypeName(v)}`);
}

function expectSamples(v: unknown): GoStruct[] {
  if (Array.isArray(v) && v.every((s) => s instanceof GoStruct)) {
    return v as GoStruct[];
  }
  throw new ArgumentError(`wrong type for value; expected template.queryResult; got ${goTypeName(v)}`);
}

/** Go's strconv.ParseFloat, with its error messages. */
function parseFloatGo(s: string): number {
  const syntax = () => new Error(`strconv.ParseFloat: parsing ${JSON.stringify(s)}: invalid syntax`);
  const body = s.replace(/^[+-]/, "");
  const neg = s.startsWith("-");
  if (/^(inf|infinity)$/i.test(body)) {
    return neg ? -Infinity : Infinity;
  }
  if (/^nan$/i.test(body) && body === s) {
    return NaN;
  }
  let v: number;
  if (/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(body)) {
    v = Number(body);
  } else if (/^0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?\d+$/.test(body)) {
    const [mant = "", exp = "0"] = body.slice(2).split(/[pP]/);
    const [int = "", frac = ""] = mant.split(".");
    v = parseInt(int + frac || "0", 16) * 2 ** (Number(exp) - 4 * frac.length);
  } else {
    throw syntax();
  }
  if (!Number.isFinite(v)) {
    throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(s)}: value out of range`);
  }
  return neg ? -v : v;
}

/** prometheus/common's ConvertToFloat: floats, ints and numeric strings. */
function toFloat(v: unknown): number {
  if (typeof v === "number") {
    return v;
  }
  if (typeof v === "bigint") {
    return Number(v);
  }
  if (typeof v === "string") {
    return parseFloatGo(v);
  }
  throw new Error(`can't convert ${goTypeName(v)} to float`);
}

const g4 = (v: number) => formatFloat(v, "g", 4);

function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) {
    return g4(v);
  }
  if (Math.abs(v) >= 1) {
    let prefix = "";
    for (const p of ["k", "M", "G", "T", "P", "E", "Z", "Y"]) {
      if (Math.abs(v) < 1000) {
        break;
      }
      prefix = p;
      v /= 1000;
    }
    return g4(v) + prefix;
  }
  let prefix = "";
  for (const p of ["m", "u", "n", "p", "f", "a", "z", "y"]) {
    if (Math.abs(v) >= 1) {
      break;
    }
    prefix = p;
    v *= 1000;
  }
  return g4(v) + prefix;
}

function humanize1024(v: number): string {
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) {
    return g4(v);
  }
  let prefix = "";
  for (const p of ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"]) {
    if (Math.abs(v) < 1024) {
      break;
    }
    prefix = p;
    v /= 1024;
  }
  return g4(v) + prefix;
}

function humanizeDuration(v: number): string {
  if (!Number.isFinite(v)) {
    return g4(v);
  }
  if (v === 0) {
    return g4(v) + "s";
  }
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? "-" : "";
    const abs = Math.abs(v);
    // Go truncates to int64 seconds; past 2^63 it saturates, which no real duration reaches.
    const total = BigInt(Math.trunc(Math.min(abs, 9.2e18)));
    const seconds = total % 60n;
    const minutes = (total / 60n) % 60n;
    const hours = (total / 3600n) % 24n;
    const days = total / 86400n;
    if (days !== 0n) {
      return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    }
    if (hours !== 0n) {
      return `${sign}${hours}h ${minutes}m ${seconds}s`;
    }
    if (minutes !== 0n) {
      return `${sign}${minutes}m ${seconds}s`;
    }
    return `${sign}${g4(abs)}s`;
  }
  let prefix = "";
  for (const p of ["m", "u", "n", "p", "f", "a", "z", "y"]) {
    if (Math.abs(v) >= 1) {
      break;
    }
    prefix = p;
    v *= 1000;
  }
  return `${g4(v)}${prefix}s`;
}

const INT64_MAX_AS_FLOAT = 2 ** 63;

/** Go's time.Time.String() in UTC at Prometheus's millisecond precision. */
function humanizeTimestamp(v: number): string {
  if (!Number.isFinite(v)) {
    return g4(v);
  }
  const ns = v * 1e9;
  if (ns > INT64_MAX_AS_FLOAT || ns < -INT64_MAX_AS_FLOAT) {
    throw new Error(
      `${formatFloat(v, "g", -1)} cannot be represented as a nanoseconds timestamp since it overflows int64`,
    );
  }
  // model.TimeFromUnixNano: int64 nanoseconds truncated (toward zero) to milliseconds.
  const ms = Number(BigInt(Math.trunc(ns)) / 1_000_000n);
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  const frac = d.getUTCMilliseconds() === 0 ? "" : `.${pad(d.getUTCMilliseconds(), 3)}`.replace(/0+$/, "");
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${frac} +0000 UTC`
  );
}

/**
 * golang.org/x/text's Title with NoLower, as promtool shows it: a word is a run of letters, digits,
 * marks and "_" ("foo_bar" → "Foo_bar", but "don't" → "Don'T", "foo.bar" → "Foo.Bar"); its first
 * character is upper-cased when it is a letter ("1st" stays), the rest is left as it is.
 */
function title(s: string): string {
  let out = "";
  let inWord = false;
  for (const c of s) {
    const wordChar = /[\p{L}\p{N}\p{M}_]/u.test(c);
    out += wordChar && !inWord ? simpleUpper(c) : c;
    inWord = wordChar;
  }
  return out;
}

/** Go's unicode.ToUpper per rune: a character without a one-rune upper case stays as it is. */
function simpleUpper(s: string): string {
  let out = "";
  for (const c of s) {
    const u = c.toUpperCase();
    out += [...u].length === 1 ? u : c;
  }
  return out;
}

function simpleLower(s: string): string {
  let out = "";
  for (const c of s) {
    const l = c.toLowerCase();
    out += [...l].length === 1 ? l : c;
  }
  return out;
}

/** Go's net.SplitHostPort; undefined where Go returns an error. */
function splitHostPort(hostport: string): { host: string; port: string } | undefined {
  const i = hostport.lastIndexOf(":");
  if (i < 0) {
    return undefined;
  }
  let host: string;
  if (hostport.startsWith("[")) {
    const end = hostport.indexOf("]");
    if (end < 0 || end + 1 !== i) {
      return undefined;
    }
    host = hostport.slice(1, end);
    if (hostport.slice(1).includes("[") || hostport.slice(end + 1).includes("]")) {
      return undefined;
    }
  } else {
    host = hostport.slice(0, i);
    if (host.includes(":") || host.includes("[") || host.includes("]")) {
      return undefined;
    }
  }
  return { host, port: hostport.slice(i + 1) };
}

function isIPv4(s: string): boolean {
  return /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(s);
}

/** Go's net.ParseIP != nil: dotted IPv4, or IPv6 (with an embedded IPv4 tail), no zone. */
function isIP(s: string): boolean {
  if (isIPv4(s)) {
    return true;
  }
  const parts = s.split("::");
  if (parts.length > 2) {
    return false;
  }
  const groups = (p: string) => (p === "" ? [] : p.split(":"));
  const head = groups(parts[0] ?? "");
  const tail = parts.length === 2 ? groups(parts[1] ?? "") : [];
  const all = [...head, ...tail];
  let width = 0;
  for (const [i, g] of all.entries()) {
    if (i === all.length - 1 && g.includes(".")) {
      if (!isIPv4(g)) {
        return false;
      }
      width += 2;
    } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) {
      width += 1;
    } else {
      return false;
    }
  }
  return parts.length === 2 ? width < 8 : width === 8;
}

function stripPort(hostPort: string): string {
  return splitHostPort(hostPort)?.host ?? hostPort;
}

function stripDomain(hostPort: string): string {
  const split = splitHostPort(hostPort);
  let host = split?.host ?? hostPort;
  const port = split?.port ?? "";
  if (isIP(host)) {
    return hostPort;
  }
  host = host.split(".")[0] as string;
  if (port !== "") {
    return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  }
  return host;
}

/** model.ParseDurationAllowNegative in seconds. */
function parseDurationSeconds(d: string): number {
  const neg = d.startsWith("-");
  const body = neg ? d.slice(1) : d;
  if (body === "") {
    throw new Error("empty duration string");
  }
  const ms = parseModelDuration(body);
  if (ms === undefined) {
    throw new Error(`not a valid duration string: ${JSON.stringify(d)}`);
  }
  return (neg ? -ms : ms) / 1000;
}

type Typed = (...args: unknown[]) => unknown;

function unary<T>(name: string, convert: (v: unknown) => T, fn: (v: T) => unknown): Typed {
  return (...args) => {
    expectArgs(name, args, 1);
    return fn(convert(args[0]));
  };
}

export type PrometheusFuncsOptions = {
  /** What `now` answers, in milliseconds since the epoch (the rule evaluation time). */
  now?: number;
  /** Prometheus's --web.external-url, for externalURL and pathPrefix. */
  externalURL?: string;
};

/**
 * Every function Prometheus gives rule templates except `query` (see templateQuery). Not provided:
 * toTime and toDuration (their results need Go's time methods) and tmpl (console templates only).
 */
export function prometheusFuncs(opts: PrometheusFuncsOptions = {}): Record<string, TemplateFunction> {
  const externalURL = opts.externalURL ?? "";
  return {
    first: unary("first", expectSamples, (v) => {
      if (v.length === 0) {
        throw new Error("first() called on vector with no elements");
      }
      return v[0];
    }),
    label: (...args) => {
      expectArgs("label", args, 2);
      const name = expectString(args[0]);
      const s = expectSample(args[1]);
      return (s.fields["Labels"] as Record<string, string>)[name] ?? "";
    },
    value: unary("value", expectSample, (s) => s.fields["Value"]),
    strvalue: unary(
      "strvalue",
      expectSample,
      (s) => (s.fields["Labels"] as Record<string, string>)["__value__"] ?? "",
    ),
    args: (...args) => Object.fromEntries(args.map((a, i) => [`arg${i}`, a])),
    reReplaceAll: (...args) => {
      expectArgs("reReplaceAll", args, 3);
      const [pattern, repl, text] = args.map(expectString) as [string, string, string];
      return replaceAllSearch(pattern, text, repl);
    },
    safeHtml: unary("safeHtml", expectString, (s) => s),
    match: (...args) => {
      expectArgs("match", args, 2);
      const [pattern, text] = args.map(expectString) as [string, string];
      return compileSearchRegex(pattern).matches(text);
    },
    title: unary("title", expectString, title),
    toUpper: unary("toUpper", expectString, simpleUpper),
    toLower: unary("toLower", expectString, simpleLower),
    graphLink: unary("graphLink", expectString, (e) => `/graph?g0.expr=${queryEscape(e)}&g0.tab=0`),
    tableLink: unary("tableLink", expectString, (e) => `/graph?g0.expr=${queryEscape(e)}&g0.tab=1`),
    sortByLabel: (...args) => {
      expectArgs("sortByLabel", args, 2);
      const label = expectString(args[0]);
      const samples = expectSamples(args[1]);
      const key = (s: GoStruct) => (s.fields["Labels"] as Record<string, string>)[label] ?? "";
      // Array.prototype.sort is stable, as sort.Stable.
      return [...samples].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    },
    stripPort: unary("stripPort", expectString, stripPort),
    stripDomain: unary("stripDomain", expectString, stripDomain),
    humanize: unary("humanize", toFloat, humanize),
    humanize1024: unary("humanize1024", toFloat, humanize1024),
    humanizeDuration: unary("humanizeDuration", toFloat, humanizeDuration),
    humanizePercentage: unary("humanizePercentage", toFloat, (v) => `${g4(v * 100)}%`),
    humanizeTimestamp: unary("humanizeTimestamp", toFloat, humanizeTimestamp),
    now: (...args) => {
      expectArgs("now", args, 0);
      return (opts.now ?? Date.now()) / 1000;
    },
    pathPrefix: (...args) => {
      expectArgs("pathPrefix", args, 0);
      return urlPath(externalURL);
    },
    externalURL: (...args) => {
      expectArgs("externalURL", args, 0);
      return externalURL;
    },
    parseDuration: unary("parseDuration", expectString, parseDurationSeconds),
    urlQueryEscape: unary("urlQueryEscape", expectString, queryEscape),
  };
}

function urlPath(url: string): string {
  try {
    return new URL(url).pathname.replace(/^\/$/, "");
  } catch {
    return "";
  }
}

/** Every function name a Prometheus rule template may call, query included (for parse checks). */
export const PROMETHEUS_FUNCTION_NAMES: readonly string[] = [...Object.keys(prometheusFuncs()), "query"];

/** Go's name of the anonymous struct Prometheus binds, as its errors print it. */
const ALERT_DATA_TYPE =
  "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }";

/** What Prometheus binds as the data (dot) of an alert's templates. */
export function alertTemplateData(
  labels: Record<string, string>,
  value: number,
  externalLabels: Record<string, string>,
  externalURL = "",
): GoStruct {
  return new GoStruct(ALERT_DATA_TYPE, {
    Labels: stringMap(labels),
    ExternalLabels: stringMap(externalLabels),
    ExternalURL: externalURL,
    Value: value,
  });
}

/** Prometheus's prefix for rule templates: the variables annotations and labels use. */
export const ALERT_TEMPLATE_PREFIX =
  "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}";

export type AlertTemplateInput = {
  labels: Record<string, string>;
  value: number;
  externalLabels?: Record<string, string>;
  externalURL?: string;
};

/**
 * Expands an alerting rule's label or annotation template as Prometheus does: its variable prefix,
 * missingkey=zero, Prometheus's functions, and `query` when `funcs.query` is given (a QueryFunction:
 * expr -> samples {labels, value}, sync or async); other funcs are added as given. Throws
 * TemplateError, with line:col in the text as written.
 */
export async function expandAlertTemplate(
  text: string,
  name: string,
  data: AlertTemplateInput,
  funcs: { query?: QueryFunction; now?: number } & Record<string, unknown> = {},
  opts: Pick<ExecuteOptions, "maxOutputBytes" | "timeoutMs" | "maxSteps"> = {},
): Promise<string> {
  const { query, now, ...extra } = funcs;
  const all: Record<string, TemplateFunction> = {
    ...prometheusFuncs({ now, externalURL: data.externalURL }),
    ...(extra as Record<string, TemplateFunction>),
  };
  if (query !== undefined) {
    all["query"] = templateQuery(query);
  }
  const template = parseAlertTemplate(text, name, Object.keys(extra));
  return template.execute(
    alertTemplateData(data.labels, data.value, data.externalLabels ?? {}, data.externalURL ?? ""),
    {
      ...opts,
      funcs: all,
      missingKey: "zero",
    },
  );
}

/**
 * Parses a rule template as Prometheus does (its variable prefix first; every function one of
 * Prometheus's, query included, or of `extraFunctions`), for `lineops check rules`. Errors give
 * line:col in the text as written.
 */
export function parseAlertTemplate(
  text: string,
  name: string,
  extraFunctions: readonly string[] = [],
): Template {
  return parseTemplate(text, name, {
    functions: [...PROMETHEUS_FUNCTION_NAMES, ...extraFunctions],
    prelude: ALERT_TEMPLATE_PREFIX,
  });
}
