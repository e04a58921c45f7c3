// Matcher throughput: the RE2 compiler's fast paths and its re2js path against re2js called directly
// and against the JavaScript RegExp the TSDB used before P5 (`^(?:re)$`, flag s). ns per match.
import { RE2JS } from "re2js";
import { compileRegex } from "../../src/model/regexp.js";
import { machineInfo } from "../common/machine.js";

const args = new Set(process.argv.slice(2));
const quick = args.has("--quick");
const json = args.has("--json");
const log = (msg: string) => (json ? process.stderr : process.stdout).write(msg + "\n");

// Label values shaped like the demo's: jobs, instances, stations.
const values: string[] = [];
for (let i = 0; i < 2000; i++) {
  values.push(
    ["line-controller", "station-controller", "plc-gateway", "quality-inspection", "mes-connector"][i % 5] +
      `-${i}`,
  );
  values.push(`10.0.${i % 250}.${i % 7}:9100`);
}
values.push("node", "db", "api");

// [name, RE2 pattern, the JavaScript equivalent where JS spells it differently]
const cases: [string, string, string?][] = [
  ["equality", "node"],
  ["alternation", "node|db|api|plc-gateway-2|mes-connector-4"],
  ["grafana-multi", "(node|db|api)"],
  ["prefix", "line-controller.*"],
  ["suffix", ".*:9100"],
  ["contains", ".*gateway.*"],
  ["any", ".*"],
  ["non-empty", ".+"],
  ["case-insensitive", "(?i)NODE|DB", "[nN][oO][dD][eE]|[dD][bB]"],
  ["general", "[a-z]+-controller-\\d+"],
  ["redos", "(.*){7}X"],
];

function nsPerMatch(matches: (v: string) => boolean, vs: readonly string[], budgetMs: number): number {
  let n = 0;
  let hits = 0;
  const t0 = performance.now();
  do {
    for (const v of vs) {
      if (matches(v)) {
        hits++;
      }
    }
    n += vs.length;
  } while (performance.now() - t0 < budgetMs);
  sink += hits;
  return ((performance.now() - t0) * 1e6) / n;
}
let sink = 0;

const budget = quick ? 100 : 500;
// JavaScript backtracks exponentially on the ReDoS pattern: give it short values only, and few.
const shortValues = Array.from({ length: 4 }, (_, i) => "a".repeat(18 + i));
const results: Record<string, { newNs: number; re2jsNs: number; oldRegExpNs: number }> = {};
for (const [name, pattern, jsPattern] of cases) {
  const vs = name === "redos" ? shortValues : values;
  const compiled = compileRegex(pattern);
  const direct = RE2JS.compile(`^(?s:${pattern})$`);
  const old = new RegExp(`^(?:${jsPattern ?? pattern})$`, "s");
  const best = (f: (v: string) => boolean) =>
    Math.min(...[0, 1, 2].map(() => nsPerMatch(f, vs, name === "redos" ? 1 : budget / 3)));
  const r = {
    newNs: +best((v) => compiled.matches(v)).toFixed(1),
    re2jsNs: +best((v) => direct.testExact(v)).toFixed(1),
    oldRegExpNs: +best((v) => old.test(v)).toFixed(1),
  };
  results[name] = r;
  log(
    `${name.padEnd(18)} ${pattern.padEnd(42)} new ${r.newNs} ns  re2js ${r.re2jsNs} ns  old RegExp ${r.oldRegExpNs} ns`,
  );
}

const ratio = Object.fromEntries(
  Object.entries(results).map(([k, r]) => [k, +(r.newNs / r.oldRegExpNs).toFixed(3)]),
);
log(`(checksum ${sink > 0 ? "ok" : "EMPTY"})`);
console.log(
  JSON.stringify({
    bench: "regex",
    machine: machineInfo(),
    results,
    baseline: { oldRegExp: "new RegExp(`^(?:${re})$`, 's') as tsdb/matchers.ts compiled before P5" },
    ratio,
  }),
);
