// The simulated targets' series: label text rendered once, values computed per request from the time,
// so a scrape costs one pass of number formatting and string concatenation.
//
// Series come in blocks of 100 with a fixed mix (counters with 3–4 labels, gauges, one classic
// histogram of 14 series); block b only uses label values owned by b, so a target with more series
// is a superset of one with fewer (the scale probe grows a target in place).

export const BLOCK_SIZE = 100;

const enum Kind {
  IntCounter = 0,
  FloatCounter = 1,
  Gauge = 2,
  /** A histogram's bucket, +Inf bucket or _count: floor(count × frac). */
  Bucket = 3,
  /** A histogram's _sum: count × mean. */
  Sum = 4,
}

type SeriesDef = { labels: string; kind: Kind; base: number; rate: number; frac: number };
type Family = { name: string; type: "counter" | "gauge" | "histogram"; help: string; series: SeriesDef[] };

const LE = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const RESULTS = ["ok", "nok", "rework", "scrap"];
const CODES = ["200", "404", "500"];
const HANDLERS = ["orders", "stations", "recipes", "quality"];

// A fixed-seed generator, so every run (and both scrapers) see the same series set.
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function families(): Family[] {
  return [
    {
      name: "line_station_cycles_total",
      type: "counter",
      help: "Work cycles finished by a station.",
      series: [],
    },
    { name: "line_plc_reads_total", type: "counter", help: "PLC tag reads by device.", series: [] },
    { name: "http_requests_total", type: "counter", help: "HTTP requests served.", series: [] },
    {
      name: "line_station_energy_joules_total",
      type: "counter",
      help: "Energy used by a station, per phase.",
      series: [],
    },
    {
      name: "line_station_temperature_celsius",
      type: "gauge",
      help: "Station sensor temperature.",
      series: [],
    },
    { name: "line_buffer_parts", type: "gauge", help: "Parts waiting in a station's buffer.", series: [] },
    {
      name: "http_request_duration_seconds",
      type: "histogram",
      help: "HTTP request latency.",
      series: [],
    },
    {
      name: "line_station_cycle_time_seconds",
      type: "histogram",
      help: "Station cycle time.",
      series: [],
    },
  ];
}

/** The 100 series of block b, in block order (the order used to cut a partial last block). */
function blockSeries(b: number, r: () => number): Array<{ family: number; def: SeriesDef }> {
  const out: Array<{ family: number; def: SeriesDef }> = [];
  const counter = (family: number, labels: string, kind = Kind.IntCounter) =>
    out.push({ family, def: { labels, kind, base: Math.floor(r() * 1e5), rate: 1 + r() * 49, frac: 1 } });
  const line = `line-${b % 8}`;
  const station = `station-${String(b).padStart(3, "0")}`;
  for (let p = 0; p < 6; p++) {
    for (const result of RESULTS) {
      counter(0, `line="${line}",station="${station}",product="p-${p}",result="${result}"`);
    }
  }
  for (let d = 0; d < 10; d++) {
    for (const status of ["ok", "error"]) {
      counter(
        1,
        `gateway="gw-${b % 4}",device="plc-${b}-${d}",area="${d < 5 ? "press" : "weld"}",status="${status}"`,
      );
    }
  }
  for (const h of HANDLERS) {
    for (const code of CODES) {
      counter(2, `handler="/api/${h}/${b}",method="${h === "orders" ? "POST" : "GET"}",code="${code}"`);
    }
  }
  for (const phase of ["l1", "l2", "l3", "n"]) {
    counter(3, `line="${line}",station="${station}",phase="${phase}"`, Kind.FloatCounter);
  }
  for (let s = 0; s < 16; s++) {
    out.push({
      family: 4,
      def: {
        labels: `line="${line}",station="${station}",sensor="t${s}"`,
        kind: Kind.Gauge,
        base: 20 + r() * 40,
        rate: 1 + r() * 10,
        frac: r() * 6.283,
      },
    });
  }
  for (let s = 0; s < 10; s++) {
    out.push({
      family: 5,
      def: {
        labels: `line="${line}",station="${station}-${s}"`,
        kind: Kind.Gauge,
        base: 50 + Math.floor(r() * 50),
        rate: 40,
        frac: r() * 6.283,
      },
    });
  }
  // One histogram per block, alternating between the two histogram families.
  const family = b % 2 === 0 ? 6 : 7;
  const hl =
    family === 6 ? `handler="/api/orders/${b}",method="POST"` : `line="${line}",station="${station}"`;
  const base = Math.floor(r() * 1e4);
  const rate = 5 + r() * 45;
  const mean = family === 6 ? 0.08 : 3.2;
  let cdf = 0;
  for (const le of LE) {
    // A smooth, increasing CDF so buckets are cumulative and grow with the count.
    cdf = Math.max(cdf, 1 - Math.exp(-le / mean));
    out.push({ family, def: { labels: `${hl},le="${le}"`, kind: Kind.Bucket, base, rate, frac: cdf } });
  }
  out.push({ family, def: { labels: `${hl},le="+Inf"`, kind: Kind.Bucket, base, rate, frac: 1 } });
  out.push({ family, def: { labels: hl, kind: Kind.Sum, base, rate, frac: mean } });
  out.push({ family, def: { labels: hl, kind: Kind.Bucket, base, rate, frac: 1 } });
  return out;
}

/** One target's series, pre-rendered: per series the text before its value, and its value parameters. */
export class TargetTemplate {
  readonly count: number;
  private readonly heads: string[];
  private readonly kinds: Uint8Array;
  private readonly base: Float64Array;
  private readonly rate: Float64Array;
  private readonly frac: Float64Array;

  constructor(seriesCount: number) {
    const fams = families();
    const r = rng(42);
    let left = seriesCount;
    for (let b = 0; left > 0; b++) {
      for (const s of blockSeries(b, r)) {
        if (left-- <= 0) {
          break;
        }
        fams[s.family]?.series.push(s.def);
      }
    }
    this.count = seriesCount;
    this.heads = [];
    this.kinds = new Uint8Array(seriesCount);
    this.base = new Float64Array(seriesCount);
    this.rate = new Float64Array(seriesCount);
    this.frac = new Float64Array(seriesCount);
    let i = 0;
    for (const f of fams) {
      let header = f.series.length > 0 ? `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n` : "";
      for (const s of f.series) {
        const name =
          f.type !== "histogram"
            ? f.name
            : s.kind === Kind.Sum
              ? `${f.name}_sum`
              : s.labels.includes("le=")
                ? `${f.name}_bucket`
                : `${f.name}_count`;
        this.heads.push(`${header}${name}{${s.labels}} `);
        header = "";
        this.kinds[i] = s.kind;
        this.base[i] = s.base;
        this.rate[i] = s.rate;
        this.frac[i] = s.frac;
        i++;
      }
    }
  }

  /** The body at `seconds` since start; `offset` shifts one target's values from another's. */
  render(seconds: number, offset: number): string {
    const t = seconds + offset;
    const { heads, kinds, base, rate, frac } = this;
    let out = "";
    for (let i = 0; i < this.count; i++) {
      const b = base[i] as number;
      const r = rate[i] as number;
      const f = frac[i] as number;
      let v: number;
      switch (kinds[i]) {
        case Kind.IntCounter:
          v = Math.floor(b + r * t);
          break;
        case Kind.FloatCounter:
          v = Math.round((b + r * t) * 1000) / 1000;
          break;
        case Kind.Gauge:
          // r is the period's scale, f the phase: a slow wave with two decimals, like a real sensor.
          v = Math.round((b + 5 * Math.sin(t / r + f)) * 100) / 100;
          break;
        case Kind.Bucket:
          v = Math.floor(Math.floor(b + r * t) * f);
          break;
        default:
          v = Math.round(Math.floor(b + r * t) * f * 1000) / 1000;
      }
      out += (heads[i] as string) + v + "\n";
    }
    return out;
  }
}
