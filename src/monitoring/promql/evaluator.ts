// Evaluates an AST over a grid of steps (start, end, interval): selectors read each series once and
// walk it with moving cursors; every node yields whole columns of step values.
import { isStaleNaN, labelsKey } from "../model.js";
import type { Labels } from "../model.js";
import type {
  AtModifier,
  Call,
  DurationExpr,
  Expr,
  MatrixSelector,
  Subquery,
  VectorSelector,
} from "./ast.js";
import { aggregate } from "./aggregate.js";
import { scalarBinop, setBinop, vectorBinop, vectorScalarBinop } from "./binary.js";
import { PromqlErrors } from "./errors.js";
import { formatFloat } from "./format.js";
import {
  KEEPS_NAME,
  RANGE_FUNCTIONS,
  RangeFunctionError,
  USES_RESETS,
  findResets,
} from "./range-functions.js";
import type { RangeFn, WindowCtx } from "./range-functions.js";
import {
  INSTANT_FUNCTIONS,
  histogramFraction,
  histogramQuantile,
  labelJoin,
  labelReplace,
  sortByLabel,
} from "./instant-functions.js";
import type { QueryState } from "./state.js";
import { TIER_FUNCTIONS } from "./resolution.js";
import { COLUMNS_FOR, tierWindowInput } from "./tier-windows.js";
import { countPoints, newSeries } from "./value.js";
import type { RawSeries, ScalarValue, StringValue, Value, VectorValue, VSeries } from "./value.js";

export type RangeInput = {
  series: RawSeries[];
  rangeMs: number;
  /** Per output step: the window's right edge (evaluation time minus offset, or the @ time). */
  refs: Float64Array;
  /** The selector's own matchers, for absent_over_time's labels (undefined for sub-queries). */
  selector: VectorSelector | undefined;
};

export class Evaluator {
  readonly n: number;
  readonly times: Float64Array;

  constructor(
    readonly st: QueryState,
    readonly start: number,
    readonly end: number,
    readonly interval: number,
  ) {
    this.n = interval > 0 ? Math.floor((end - start) / interval) + 1 : 1;
    this.times = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) {
      this.times[i] = start + i * interval;
    }
  }

  async eval(e: Expr): Promise<Value> {
    // Every node is a point where a query whose time slice is used up lets the event loop run.
    if (this.st.due()) {
      await this.st.pause();
    }
    switch (e.kind) {
      case "number":
        return { kind: "scalar", vals: new Float64Array(this.n).fill(e.value) };
      case "string":
        return { kind: "string", value: e.value };
      case "paren":
        return this.eval(e.expr);
      case "unary": {
        const v = await this.eval(e.expr);
        if (e.op === "+") {
          return v;
        }
        if (v.kind === "scalar") {
          return { kind: "scalar", vals: v.vals.map((x) => -x) };
        }
        const vec = v as VectorValue;
        return {
          kind: "vector",
          series: vec.series.map((s) => ({
            labels: s.labels,
            dropName: true,
            vals: s.vals.map((x) => -x),
            has: s.has,
          })),
        };
      }
      case "vectorSelector":
        return await this.vectorSelector(e, false);
      case "matrixSelector":
      case "subquery":
        return await this.rangeAsMatrix(e);
      case "binary":
        return await this.binary(e);
      case "aggregate": {
        const param = e.param ? ((await this.eval(e.param)) as ScalarValue | StringValue) : undefined;
        const input = (await this.eval(e.expr)) as VectorValue;
        const out = aggregate(e, input, param, this.n, this.st);
        this.account(out, input);
        return out;
      }
      case "call":
        return await this.call(e);
    }
  }

  private readonly due = () => this.st.due();

  /** Runs a generator that yields when the slice is used up, pausing at each yield. */
  private async drive<T>(g: Generator<void, T>): Promise<T> {
    for (;;) {
      const r = g.next();
      if (r.done) {
        return r.value;
      }
      await this.st.pause();
    }
  }

  /** Samples held by a node's output replace those of its inputs in the sample budget. */
  private account(out: Value, ...inputs: Value[]): void {
    this.st.addSamples(countPoints(out));
    for (const i of inputs) {
      this.st.releaseSamples(countPoints(i));
    }
  }

  durationMs(d: DurationExpr): number {
    switch (d.kind) {
      case "lit":
        return d.ms;
      case "step":
        return this.st.stepMs;
      case "range":
        return this.st.endMs - this.st.startMs;
      case "neg":
        return -this.durationMs(d.expr);
      case "minmax": {
        const a = this.durationMs(d.lhs);
        const b = this.durationMs(d.rhs);
        return d.max ? Math.max(a, b) : Math.min(a, b);
      }
      case "bin": {
        const a = this.durationMs(d.lhs) / 1000;
        const b = this.durationMs(d.rhs) / 1000;
        let r: number;
        switch (d.op) {
          case "+":
            r = a + b;
            break;
          case "-":
            r = a - b;
            break;
          case "*":
            r = a * b;
            break;
          case "/":
            r = a / b;
            break;
          case "%":
            r = a % b;
            break;
          default:
            r = Math.pow(a, b);
        }
        return Math.round(r * 1000);
      }
    }
  }

  private atMs(at: AtModifier): number {
    switch (at.kind) {
      case "ts":
        return at.ms;
      case "start":
        return this.st.startMs;
      case "end":
        return this.st.endMs;
    }
  }

  private refTimes(offset: DurationExpr | undefined, at: AtModifier | undefined): Float64Array {
    const off = offset ? this.durationMs(offset) : 0;
    const refs = new Float64Array(this.n);
    if (at) {
      refs.fill(this.atMs(at) - off);
    } else {
      for (let i = 0; i < this.n; i++) {
        refs[i] = (this.times[i] as number) - off;
      }
    }
    return refs;
  }

  async vectorSelector(vs: VectorSelector, timestamps: boolean): Promise<VectorValue> {
    const refs = this.refTimes(vs.offset, vs.at);
    const n = this.n;
    // From a tier, each window's last sample stands for the window; as Thanos's dynamic lookback
    // delta, the lookback grows to the resolution so that steps between tier points find one.
    const res = this.st.resolutionFor(this.interval, undefined, undefined);
    const lookback = Math.max(this.st.lookbackMs, res);
    const minRef = refs[0] as number;
    const maxRef = refs[n - 1] as number;
    const querier = res > 0 ? this.st.tierQuerier(res) : this.st.querier;
    const selected = querier.select(vs.matchers, minRef - lookback + 1, maxRef);
    const out: VSeries[] = [];
    let points = 0;
    const rd = this.st.reader;
    for (const series of selected) {
      if (this.st.due()) {
        await this.st.pause();
      }
      const len = rd.read(series, false);
      this.st.noteRead(res, len);
      const ts = rd.ts;
      const vals = rd.vs;
      const o = newSeries(series.labels, n);
      let j = 0;
      let any = false;
      for (let i = 0; i < n; i++) {
        const ref = refs[i] as number;
        while (j < len && (ts[j] as number) <= ref) {
          j++;
        }
        const idx = j - 1;
        if (idx < 0) {
          continue;
        }
        const t = ts[idx] as number;
        if (t <= ref - lookback) {
          continue;
        }
        const v = vals[idx] as number;
        if (v !== v && isStaleNaN(v)) {
          continue;
        }
        o.vals[i] = timestamps ? t / 1000 : v;
        o.has[i] = 1;
        any = true;
        points++;
      }
      if (any) {
        out.push(o);
      }
      // Counted per series, so a selector over too many series stops before reading them all.
      this.st.addSamples(points);
      points = 0;
    }
    return { kind: "vector", series: out };
  }

  /** Loads the raw samples behind a range-vector argument (matrix selector or subquery). */
  async rangeInput(e: Expr): Promise<RangeInput> {
    while (e.kind === "paren") {
      e = e.expr;
    }
    if (e.kind === "matrixSelector") {
      return await this.matrixSelectorInput(e);
    }
    if (e.kind === "subquery") {
      return await this.subqueryInput(e);
    }
    throw PromqlErrors.execution(`unexpected range argument of kind ${e.kind}`);
  }

  private async matrixSelectorInput(e: MatrixSelector): Promise<RangeInput> {
    const rangeMs = this.durationMs(e.range);
    const refs = this.refTimes(e.vs.offset, e.vs.at);
    const minRef = refs[0] as number;
    const maxRef = refs[this.n - 1] as number;
    const selected = this.st.querier.select(e.vs.matchers, minRef - rangeMs + 1, maxRef);
    const series: RawSeries[] = [];
    const rd = this.st.reader;
    for (const s of selected) {
      if (this.st.due()) {
        await this.st.pause();
      }
      const len = this.st.readRange(s);
      series.push({ labels: s.labels, dropName: false, ts: rd.ts.slice(0, len), vs: rd.vs.slice(0, len) });
    }
    return { series, rangeMs, refs, selector: e.vs };
  }

  private async subqueryInput(e: Subquery): Promise<RangeInput> {
    const rangeMs = this.durationMs(e.range);
    const offset = e.offset ? this.durationMs(e.offset) : 0;
    const step = e.step ? this.durationMs(e.step) : this.st.noStepSubqueryIntervalMs;
    if (step <= 0) {
      throw PromqlErrors.execution("zero or negative step in subquery");
    }
    const refs = this.refTimes(e.offset, e.at);
    const evStart = e.at ? this.atMs(e.at) : this.start;
    const evEnd = e.at ? this.atMs(e.at) : this.end;
    const from = evStart - offset - rangeMs;
    // Go's integer division truncates toward zero; the first step is the first aligned one after `from`.
    let subStart = step * Math.trunc(from / step);
    if (subStart <= from) {
      subStart += step;
    }
    const subEnd = evEnd - offset;
    if (subEnd < subStart) {
      return { series: [], rangeMs, refs, selector: undefined };
    }
    // The inner step grid is held (and every inner node allocates columns this long) while the
    // subquery evaluates, so its steps count as samples before anything is allocated: [1y:1ms] is
    // 3e10 steps, which would otherwise be a RangeError or a multi-GB heap.
    const steps = Math.floor((subEnd - subStart) / step) + 1;
    this.st.addSamples(steps);
    // Long grids are evaluated in chunks of SUBQUERY_CHUNK_STEPS: every column loop of the inner
    // nodes then stays short (a 7.2M-step grid was one 1-2 s loop per node, unbroken by pauses).
    // Steps of an instant-vector expression are independent, so chunks give the same samples.
    const parts = new Map<
      string,
      { labels: Labels; dropName: boolean; ts: Float64Array[]; vs: Float64Array[] }
    >();
    for (let c0 = 0; c0 < steps; c0 += SUBQUERY_CHUNK_STEPS) {
      const chunkEnd = subStart + Math.min(steps - 1, c0 + SUBQUERY_CHUNK_STEPS - 1) * step;
      const inner = new Evaluator(this.st, subStart + c0 * step, chunkEnd, step);
      const v = (await inner.eval(e.expr)) as VectorValue;
      const seen = new Map<string, number>();
      for (const s of v.series) {
        if (this.st.due()) {
          await this.st.pause();
        }
        let c = 0;
        for (let i = 0; i < inner.n; i++) {
          c += s.has[i] as number;
        }
        // Same labels and name-dropping, and the same rank among equals, is the same series.
        const base = `${labelsKey(s.labels)}\u0002${s.dropName ? 1 : 0}`;
        const rank = seen.get(base) ?? 0;
        seen.set(base, rank + 1);
        if (c === 0) {
          continue;
        }
        const ts = new Float64Array(c);
        const vs = new Float64Array(c);
        let k = 0;
        for (let i = 0; i < inner.n; i++) {
          if (s.has[i]) {
            ts[k] = inner.times[i] as number;
            vs[k] = s.vals[i] as number;
            k++;
          }
        }
        const key = `${base}\u0002${rank}`;
        const part = parts.get(key);
        if (part) {
          part.ts.push(ts);
          part.vs.push(vs);
        } else {
          parts.set(key, { labels: s.labels, dropName: s.dropName, ts: [ts], vs: [vs] });
        }
      }
    }
    const series: RawSeries[] = [];
    for (const p of parts.values()) {
      if (this.st.due()) {
        await this.st.pause();
      }
      series.push({
        labels: p.labels,
        dropName: p.dropName,
        ts: await this.drive(concat(p.ts, this.due)),
        vs: await this.drive(concat(p.vs, this.due)),
      });
    }
    this.st.releaseSamples(steps);
    return { series, rangeMs, refs, selector: undefined };
  }

  /** A range vector as a query result (instant queries only): the window at the single step. */
  private async rangeAsMatrix(e: Expr): Promise<Value> {
    if (this.n !== 1) {
      throw PromqlErrors.execution(
        `invalid expression type "range vector" for range query, must be Scalar or instant Vector`,
      );
    }
    const input = await this.rangeInput(e);
    const ref = input.refs[0] as number;
    const left = ref - input.rangeMs;
    const series: RawSeries[] = [];
    for (const s of input.series) {
      let lo = 0;
      while (lo < s.ts.length && (s.ts[lo] as number) <= left) {
        lo++;
      }
      let hi = lo;
      while (hi < s.ts.length && (s.ts[hi] as number) <= ref) {
        hi++;
      }
      if (hi > lo) {
        series.push({
          labels: s.labels,
          dropName: s.dropName,
          ts: s.ts.slice(lo, hi),
          vs: s.vs.slice(lo, hi),
        });
      }
    }
    return { kind: "matrix", series };
  }

  private async binary(e: Extract<Expr, { kind: "binary" }>): Promise<Value> {
    const l = await this.eval(e.lhs);
    const r = await this.eval(e.rhs);
    let out: Value;
    if (l.kind === "scalar" && r.kind === "scalar") {
      out = scalarBinop(e.op, l, r, this.n);
    } else if (l.kind === "vector" && r.kind === "scalar") {
      out = vectorScalarBinop(e, l, r, true, this.n);
    } else if (l.kind === "scalar" && r.kind === "vector") {
      out = vectorScalarBinop(e, r, l, false, this.n);
    } else if (e.op === "and" || e.op === "or" || e.op === "unless") {
      out = setBinop(e.op, l as VectorValue, r as VectorValue, e.matching!, this.n, this.st);
    } else {
      out = vectorBinop(e, l as VectorValue, r as VectorValue, this.n, this.st);
    }
    this.account(out, l, r);
    return out;
  }

  private async scalarArg(e: Expr): Promise<Float64Array> {
    const v = await this.eval(e);
    return (v as ScalarValue).vals;
  }

  /** One after the other, never in parallel: a query's evaluators share its decode buffers. */
  private async scalarArgs(args: readonly Expr[]): Promise<Float64Array[]> {
    const out: Float64Array[] = [];
    for (const a of args) {
      out.push(await this.scalarArg(a));
    }
    return out;
  }

  private async call(e: Call): Promise<Value> {
    const name = e.name;
    try {
      return await this.callInner(e, name);
    } catch (err) {
      if (err instanceof RangeFunctionError) {
        throw PromqlErrors.execution(err.message);
      }
      throw err;
    }
  }

  private async callInner(e: Call, name: string): Promise<Value> {
    const n = this.n;
    switch (name) {
      case "time":
        return { kind: "scalar", vals: this.times.map((t) => t / 1000) };
      case "pi":
        return { kind: "scalar", vals: new Float64Array(n).fill(Math.PI) };
      case "start":
        return { kind: "scalar", vals: new Float64Array(n).fill(this.st.startMs / 1000) };
      case "end":
        return { kind: "scalar", vals: new Float64Array(n).fill(this.st.endMs / 1000) };
      case "range":
        return { kind: "scalar", vals: new Float64Array(n).fill((this.st.endMs - this.st.startMs) / 1000) };
      case "step":
        return { kind: "scalar", vals: new Float64Array(n).fill(this.st.stepMs / 1000) };
      case "scalar": {
        const v = (await this.eval(e.args[0] as Expr)) as VectorValue;
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          let found = 0;
          let val = NaN;
          for (const s of v.series) {
            if (s.has[i]) {
              found++;
              val = s.vals[i] as number;
            }
          }
          out[i] = found === 1 ? val : NaN;
        }
        return { kind: "scalar", vals: out };
      }
      case "vector": {
        const s = newSeries({}, n);
        s.vals.set(await this.scalarArg(e.args[0] as Expr));
        s.has.fill(1);
        return { kind: "vector", series: [s] };
      }
      case "timestamp": {
        let arg = e.args[0] as Expr;
        while (arg.kind === "paren") {
          arg = arg.expr;
        }
        if (arg.kind === "vectorSelector") {
          const v = await this.vectorSelector(arg, true);
          for (const s of v.series) {
            s.dropName = true;
          }
          return v;
        }
        const v = (await this.eval(arg)) as VectorValue;
        return {
          kind: "vector",
          series: v.series.map((s) => {
            const o = newSeries(s.labels, n, true);
            o.has.set(s.has);
            for (let i = 0; i < n; i++) {
              o.vals[i] = (this.times[i] as number) / 1000;
            }
            return o;
          }),
        };
      }
      case "absent": {
        const v = (await this.eval(e.args[0] as Expr)) as VectorValue;
        return absentVector(absentLabels(e.args[0] as Expr), n, (i) => v.series.some((s) => s.has[i] !== 0));
      }
      case "absent_over_time": {
        const input = await this.rangeInput(e.args[0] as Expr);
        const { refs, rangeMs } = input;
        return absentVector(input.selector ? absentLabels(input.selector) : {}, n, (i) =>
          input.series.some((s) => hasSampleIn(s.ts, refs[i]! - rangeMs, refs[i]!)),
        );
      }
      case "label_replace":
      case "label_join": {
        const strs = e.args.slice(1).map(stringArg);
        const v = (await this.eval(e.args[0] as Expr)) as VectorValue;
        const out = name === "label_replace" ? labelReplace(v, strs) : labelJoin(v, strs);
        return mergeSameLabels(out, n);
      }
      case "sort":
      case "sort_desc":
      case "sort_by_label":
      case "sort_by_label_desc": {
        const v = (await this.eval(e.args[0] as Expr)) as VectorValue;
        if (this.st.stepMs > 0) {
          this.st.warn(
            "sort is ineffective for range queries since results are always ordered by labels",
            e.pos,
          );
        }
        if (n !== 1) {
          return v;
        }
        if (name === "sort_by_label" || name === "sort_by_label_desc") {
          const labels = e.args.slice(1).map(stringArg);
          return { kind: "vector", series: sortByLabel(v.series, labels, name === "sort_by_label_desc") };
        }
        const desc = name === "sort_desc";
        const series = v.series.slice().sort((a, b) => {
          const x = a.vals[0] as number;
          const y = b.vals[0] as number;
          if (Number.isNaN(x)) {
            return Number.isNaN(y) ? 0 : 1;
          }
          if (Number.isNaN(y)) {
            return -1;
          }
          return desc ? y - x : x - y;
        });
        return { kind: "vector", series };
      }
      case "histogram_quantile": {
        const q = await this.scalarArg(e.args[0] as Expr);
        const v = (await this.eval(e.args[1] as Expr)) as VectorValue;
        return histogramQuantile(q, v, n, this.st, e);
      }
      case "histogram_quantiles": {
        const v = (await this.eval(e.args[0] as Expr)) as VectorValue;
        const label = stringArg(e.args[1] as Expr);
        const qs = await this.scalarArgs(e.args.slice(2));
        const parts: VSeries[] = [];
        for (const q of qs) {
          const r = histogramQuantile(q, v, n, this.st, e, 0);
          for (const s of r.series) {
            if (s.labels[label] !== undefined) {
              throw PromqlErrors.execution(`label "${label}" already exists in the input series`);
            }
            s.labels = { ...s.labels, [label]: openMetricsFloat(q[0] as number) };
          }
          parts.push(...r.series);
        }
        return { kind: "vector", series: parts };
      }
      case "min_of":
      case "max_of": {
        const a = await this.scalarArg(e.args[0] as Expr);
        const b = await this.scalarArg(e.args[1] as Expr);
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const x = a[i] as number;
          const y = b[i] as number;
          out[i] =
            Number.isNaN(x) || Number.isNaN(y) ? NaN : name === "min_of" ? Math.min(x, y) : Math.max(x, y);
        }
        return { kind: "scalar", vals: out };
      }
      case "histogram_fraction": {
        const lower = await this.scalarArg(e.args[0] as Expr);
        const upper = await this.scalarArg(e.args[1] as Expr);
        const v = (await this.eval(e.args[2] as Expr)) as VectorValue;
        return histogramFraction(lower, upper, v, n, this.st, e);
      }
      case "histogram_count":
      case "histogram_sum":
      case "histogram_avg":
      case "histogram_stddev":
      case "histogram_stdvar": {
        // Only native histograms have these; float series yield nothing.
        await this.eval(e.args[0] as Expr);
        return { kind: "vector", series: [] };
      }
      default:
        break;
    }
    const rangeFn = RANGE_FUNCTIONS[name];
    if (rangeFn) {
      return await this.rangeFunction(e, name);
    }
    const fn = INSTANT_FUNCTIONS[name];
    if (fn) {
      const scalars = await this.scalarArgs(e.args.slice(1));
      if (e.args.length === 0) {
        // Date functions default to vector(time()).
        const s = newSeries({}, n);
        for (let i = 0; i < n; i++) {
          s.vals[i] = fn(Math.floor((this.times[i] as number) / 1000), [], i) ?? NaN;
          s.has[i] = 1;
        }
        return { kind: "vector", series: [s] };
      }
      const v = (await this.eval(e.args[0] as Expr)) as VectorValue;
      const params: number[] = [];
      const out: VSeries[] = [];
      for (const s of v.series) {
        const o = newSeries(s.labels, n, true);
        let any = false;
        for (let i = 0; i < n; i++) {
          if (!s.has[i]) {
            continue;
          }
          params.length = 0;
          for (const sc of scalars) {
            params.push(sc[i] as number);
          }
          const r = fn(s.vals[i] as number, params, i);
          if (r === undefined) {
            continue;
          }
          o.vals[i] = r;
          o.has[i] = 1;
          any = true;
        }
        if (any) {
          out.push(o);
        }
      }
      const res: VectorValue = { kind: "vector", series: out };
      this.account(res, v);
      return res;
    }
    throw PromqlErrors.execution(`function "${name}" is not supported`);
  }

  private async rangeFunction(e: Call, name: string): Promise<Value> {
    const n = this.n;
    const fn = RANGE_FUNCTIONS[name]!;
    const matrixArgIdx = e.args.findIndex((a) => isRangeExpr(a));
    const scalarArgs = await this.scalarArgs(e.args.filter((_, i) => i !== matrixArgIdx));
    if (name === "quantile_over_time") {
      const q = scalarArgs[0] as Float64Array;
      for (let i = 0; i < n; i++) {
        const qi = q[i] as number;
        if (Number.isNaN(qi) || qi < 0 || qi > 1) {
          this.st.warn(
            `quantile value should be between 0 and 1, got ${formatFloat(qi)}`,
            (e.args[0] as Expr).pos,
          );
          break;
        }
      }
    }
    const keepName = KEEPS_NAME.has(name);
    const arg = e.args[matrixArgIdx] as Expr;
    let sel: Expr = arg;
    while (sel.kind === "paren") {
      sel = sel.expr;
    }
    const out: VSeries[] = [];
    const counterCheck = (name === "rate" || name === "increase") && arg.kind !== "subquery";
    const done = (o: VSeries | undefined, labels: Labels) => {
      if (!o) {
        return;
      }
      // Counted as each series is produced, so the budget stops a huge output part way through.
      this.st.addSamples(countPoints({ kind: "vector", series: [o] }));
      out.push(o);
      const metric = labels.__name__;
      if (counterCheck && metric !== undefined && !/(_total|_sum|_count|_bucket)$/.test(metric)) {
        this.st.info(
          `metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "${metric}"`,
          arg.pos,
        );
      }
    };
    let loaded = 0;
    const tier =
      sel.kind === "matrixSelector"
        ? this.st.resolutionFor(this.interval, this.durationMs(sel.range), name)
        : 0;
    if (sel.kind === "matrixSelector" && tier > 0) {
      const rangeMs = this.durationMs(sel.range);
      const refs = this.refTimes(sel.vs.offset, sel.vs.at);
      const use = TIER_FUNCTIONS[name]!;
      const q = this.st.tierQuerier(tier);
      const cols = COLUMNS_FOR[use];
      for (const s of q.selectAggregates(sel.vs.matchers, refs[0]! - rangeMs + 1, refs[n - 1]!, cols)) {
        if (this.st.due()) {
          await this.st.pause();
        }
        const a = s.aggregates();
        const input = tierWindowInput(use, name, a);
        this.st.noteRead(tier, a.ts.length);
        this.st.addSamples(input.n);
        const w = new Windows(input.fn, input.usesResets, refs, rangeMs, this.times, scalarArgs, this.due);
        const o = await this.drive(w.apply(s.labels, keepName ? false : true, input.ts, input.vs, input.n));
        this.st.releaseSamples(input.n);
        done(o, s.labels);
      }
    } else if (sel.kind === "matrixSelector") {
      // Series by series through one reused buffer: only one series' samples are held at a time.
      const rangeMs = this.durationMs(sel.range);
      const refs = this.refTimes(sel.vs.offset, sel.vs.at);
      const w = new Windows(fn, USES_RESETS.has(name), refs, rangeMs, this.times, scalarArgs, this.due);
      const selected = this.st.querier.select(sel.vs.matchers, refs[0]! - rangeMs + 1, refs[n - 1]!);
      const rd = this.st.reader;
      for (const s of selected) {
        if (this.st.due()) {
          await this.st.pause();
        }
        const len = this.st.readRange(s);
        const o = await this.drive(w.apply(s.labels, keepName ? false : true, rd.ts, rd.vs, len));
        this.st.releaseSamples(len);
        done(o, s.labels);
      }
    } else {
      const input = await this.rangeInput(arg);
      const w = new Windows(
        fn,
        USES_RESETS.has(name),
        input.refs,
        input.rangeMs,
        this.times,
        scalarArgs,
        this.due,
      );
      for (const s of input.series) {
        if (this.st.due()) {
          await this.st.pause();
        }
        loaded += s.ts.length;
        done(
          await this.drive(w.apply(s.labels, keepName ? s.dropName : true, s.ts, s.vs, s.ts.length)),
          s.labels,
        );
      }
    }
    const res: VectorValue = { kind: "vector", series: out };
    this.st.releaseSamples(loaded);
    return res;
  }
}

const NO_RESETS = new Int32Array(0);

/**
 * The first index in [from, end) whose timestamp is after `bound` (or end), galloping: a cursor
 * that moves a few samples per step costs what a linear scan does, one that jumps over millions
 * (a 7.2M-sample subquery window at one step) costs log of the jump instead of an unbroken loop.
 */
function firstAfter(ts: Float64Array, from: number, end: number, bound: number): number {
  if (from >= end || ts[from]! > bound) {
    return from;
  }
  let lo = from; // ts[lo] <= bound
  let span = 1;
  let hi = from + 1;
  while (hi < end && ts[hi]! <= bound) {
    lo = hi;
    span *= 2;
    hi = from + span;
  }
  if (hi > end) {
    hi = end;
  }
  while (lo + 1 < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! <= bound) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return hi;
}

/** Samples of window work between two looks at the clock in Windows.apply (~0.1-1 ms of work). */
const WINDOW_WORK = 1 << 16;

/**
 * Steps one inner evaluator of a subquery covers at most: a chunk's column loops take ~1 ms
 * (65,536 took 60-140 ms of wall time on the loaded 2-core box), while a dashboard's subquery
 * (1h:1m over 24 h, 1,500 steps) still fits in one chunk.
 */
export const SUBQUERY_CHUNK_STEPS = 16_384;

/** The chunks of a subquery series as one array, yielding between chunks when the slice is used up. */
function* concat(parts: Float64Array[], due: () => boolean): Generator<void, Float64Array> {
  if (parts.length === 1) {
    return parts[0]!;
  }
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    if (due()) {
      yield;
    }
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One range function over every output step of one series at a time, with moving window cursors. */
class Windows {
  private readonly ctx: WindowCtx;

  constructor(
    private readonly fn: RangeFn,
    private readonly usesResets: boolean,
    private readonly refs: Float64Array,
    rangeMs: number,
    private readonly times: Float64Array,
    private readonly scalarArgs: Float64Array[],
    private readonly due: () => boolean,
  ) {
    this.ctx = { ref: 0, rangeMs, stepTime: 0, params: [], resets: NO_RESETS, nResets: 0, resetFrom: 0 };
  }

  /**
   * A generator so that one series with long windows at many steps (quantile_over_time(x[1y]) at
   * 11,000 steps) can be paused: it yields when the query's slice is used up, and the caller
   * pauses and resumes it (see Evaluator.drive). Yields are rare, so the loop stays hot.
   */
  *apply(
    labels: Labels,
    dropName: boolean,
    ts: Float64Array,
    vs: Float64Array,
    len: number,
  ): Generator<void, VSeries | undefined> {
    let work = 0;
    const n = this.refs.length;
    const refs = this.refs;
    const rangeMs = this.ctx.rangeMs;
    const ctx = this.ctx;
    const fn = this.fn;
    let o: VSeries | undefined;
    let lo = 0;
    let hi = 0;
    if (this.usesResets) {
      findResets(vs, len, ctx);
    }
    for (let i = 0; i < n; i++) {
      const ref = refs[i]!;
      const left = ref - rangeMs;
      hi = firstAfter(ts, hi, len, ref);
      lo = firstAfter(ts, lo, hi, left);
      if (lo >= hi) {
        continue;
      }
      // Window functions cost about their window's length: read the clock every WINDOW_WORK samples.
      work += hi - lo + 8;
      if (work > WINDOW_WORK) {
        work = 0;
        if (this.due()) {
          yield;
        }
      }
      ctx.ref = ref;
      ctx.stepTime = this.times[i]!;
      if (this.scalarArgs.length > 0) {
        ctx.params.length = 0;
        for (const sc of this.scalarArgs) {
          ctx.params.push(sc[i]!);
        }
      }
      const r = fn(ts, vs, lo, hi, ctx);
      if (r === undefined) {
        continue;
      }
      o ??= newSeries(labels, n, dropName);
      o.vals[i] = r;
      o.has[i] = 1;
    }
    return o;
  }
}

function stringArg(e: Expr): string {
  while (e.kind === "paren") {
    e = e.expr;
  }
  if (e.kind !== "string") {
    throw PromqlErrors.execution("expected a string literal argument");
  }
  return e.value;
}

/** Prometheus's FormatOpenMetricsFloat: like FormatFloat but integers keep a ".0". */
function openMetricsFloat(v: number): string {
  const s = formatFloat(v);
  return /^-?\d+$/.test(s) ? `${s}.0` : s;
}

function isRangeExpr(e: Expr): boolean {
  while (e.kind === "paren") {
    e = e.expr;
  }
  return e.kind === "matrixSelector" || e.kind === "subquery";
}

function hasSampleIn(ts: Float64Array, left: number, ref: number): boolean {
  // Binary search for the first sample > left.
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ts[mid] as number) <= left) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo < ts.length && (ts[lo] as number) <= ref;
}

/** The labels absent() reports: equality matchers that name a label exactly once. */
/** absent()'s answer: 1 at the steps where `present` is false, or no series when it never is. */
function absentVector(labels: Labels, n: number, present: (step: number) => boolean): VectorValue {
  const o = newSeries(labels, n);
  for (let i = 0; i < n; i++) {
    if (!present(i)) {
      o.vals[i] = 1;
      o.has[i] = 1;
    }
  }
  return { kind: "vector", series: o.has.includes(1) ? [o] : [] };
}

function absentLabels(e: Expr): Labels {
  while (e.kind === "paren") {
    e = e.expr;
  }
  let matchers;
  if (e.kind === "vectorSelector") {
    matchers = e.matchers;
  } else if (e.kind === "matrixSelector") {
    matchers = e.vs.matchers;
  } else {
    return {};
  }
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  for (const m of matchers) {
    if (m.name === "__name__") {
      continue;
    }
    if (m.type === "=" && !seen.has(m.name)) {
      out[m.name] = m.value;
      seen.add(m.name);
    } else {
      delete out[m.name];
    }
  }
  return out;
}

/** Series that ended up with identical labels merge if they never overlap, else it's an error. */
export function mergeSameLabels(v: VectorValue, n: number): VectorValue {
  const byKey = new Map<string, VSeries>();
  const out: VSeries[] = [];
  for (const s of v.series) {
    const key = labelsKey(s.labels);
    const prev = byKey.get(key);
    if (!prev) {
      byKey.set(key, s);
      out.push(s);
      continue;
    }
    const merged = newSeries(prev.labels, n, prev.dropName);
    for (let i = 0; i < n; i++) {
      if (prev.has[i] && s.has[i]) {
        throw PromqlErrors.execution("vector cannot contain metrics with the same labelset");
      }
      if (prev.has[i]) {
        merged.vals[i] = prev.vals[i] as number;
        merged.has[i] = 1;
      } else if (s.has[i]) {
        merged.vals[i] = s.vals[i] as number;
        merged.has[i] = 1;
      }
    }
    byKey.set(key, merged);
    out[out.indexOf(prev)] = merged;
  }
  return { kind: "vector", series: out };
}
