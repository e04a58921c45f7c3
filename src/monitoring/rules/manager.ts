// Evaluates recording rules: each group on its own interval, each rule as an instant query at the
// group's evaluation time, results written back to the TSDB under the rule's name. Series a rule
// stops producing get staleness markers, as in Prometheus.
import type { Logger } from "pino";
import type { RuleGroupConfig } from "../../config/rules-schema.js";
import { labelsKey, STALE_NAN, type Labels, type Storage } from "../model.js";
import type { MetricsQuerier } from "../query.js";

/** What the rule manager needs from the PromQL engine: a typed instant query. */
export type InstantQuery = MetricsQuerier["instant"];

export type RuleHealth = {
  name: string;
  query: string;
  labels: Labels;
  health: "ok" | "err" | "unknown";
  lastError: string;
  lastEvaluation: number | undefined;
  evaluationTimeMs: number;
  type: "recording";
};

export type GroupHealth = {
  name: string;
  file: string;
  intervalMs: number;
  lastEvaluation: number | undefined;
  evaluationTimeMs: number;
  rules: RuleHealth[];
};

class RuleGroup {
  private timer: NodeJS.Timeout | undefined;
  private previous = new Map<string, Map<string, Labels>>(); // rule name -> series written last time
  readonly health: GroupHealth;

  constructor(
    readonly config: RuleGroupConfig,
    file: string,
    readonly intervalMs: number,
    private readonly query: InstantQuery,
    private readonly storage: Storage,
    private readonly logger: Logger,
  ) {
    this.health = {
      name: config.name,
      file,
      intervalMs,
      lastEvaluation: undefined,
      evaluationTimeMs: 0,
      rules: config.rules
        .filter((r) => r.record !== undefined)
        .map((r) => ({
          name: r.record ?? "",
          query: r.expr,
          labels: { ...config.labels, ...r.labels },
          health: "unknown",
          lastError: "",
          lastEvaluation: undefined,
          evaluationTimeMs: 0,
          type: "recording",
        })),
    };
  }

  start(): void {
    const now = Date.now();
    // Evaluate at aligned times so every restart evaluates at the same instants.
    let next = now - (now % this.intervalMs) + this.intervalMs;
    const tick = () => {
      const t = next;
      next += this.intervalMs;
      while (next <= Date.now()) {
        next += this.intervalMs;
      }
      void this.evaluate(t).catch((err: unknown) =>
        this.logger.error({ err, group: this.config.name }, "rule group failed"),
      );
      this.timer = setTimeout(tick, next - Date.now());
    };
    this.timer = setTimeout(tick, next - now);
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** Evaluates every recording rule of the group at `t`, in order (later rules see earlier results). */
  async evaluate(t: number): Promise<void> {
    const t0 = performance.now();
    const evalTime = t - (this.config.query_offset ?? 0);
    for (const rule of this.health.rules) {
      const r0 = performance.now();
      const app = this.storage.appender();
      const written = new Map<string, Labels>();
      try {
        const value = await this.query(rule.query, evalTime);
        const samples: { labels: Labels; v: number }[] = [];
        if (value.type === "vector") {
          for (const s of value.samples) {
            samples.push({ labels: { ...s.labels, ...rule.labels, __name__: rule.name }, v: s.v });
          }
        } else if (value.type === "scalar") {
          samples.push({ labels: { ...rule.labels, __name__: rule.name }, v: value.v });
        }
        if (this.config.limit > 0 && samples.length > this.config.limit) {
          throw new Error(`exceeded limit of ${this.config.limit} with ${samples.length} series`);
        }
        for (const s of samples) {
          const key = labelsKey(s.labels);
          if (written.has(key)) {
            throw new Error("vector contains metrics with the same labelset after applying rule labels");
          }
          written.set(key, s.labels);
          app.append(s.labels, t, s.v);
        }
        for (const [key, labels] of this.previous.get(rule.name) ?? []) {
          if (!written.has(key)) {
            app.append(labels, t, STALE_NAN);
          }
        }
        app.commit();
        this.previous.set(rule.name, written);
        rule.health = "ok";
        rule.lastError = "";
      } catch (err) {
        app.rollback();
        rule.health = "err";
        rule.lastError = err instanceof Error ? err.message : String(err);
        this.logger.warn({ rule: rule.name, err: rule.lastError }, "recording rule failed");
      }
      rule.lastEvaluation = t;
      rule.evaluationTimeMs = performance.now() - r0;
    }
    this.health.lastEvaluation = t;
    this.health.evaluationTimeMs = performance.now() - t0;
  }
}

export class RuleManager {
  private groups: RuleGroup[] = [];

  constructor(
    private readonly query: InstantQuery,
    private readonly storage: Storage,
    private readonly logger: Logger,
    private readonly defaultIntervalMs: number,
  ) {}

  /** Replaces the running groups with these (from loaded, validated rule files). */
  load(files: { file: string; groups: RuleGroupConfig[] }[]): void {
    this.stop();
    this.groups = files.flatMap(({ file, groups }) =>
      groups.map(
        (g) =>
          new RuleGroup(g, file, g.interval ?? this.defaultIntervalMs, this.query, this.storage, this.logger),
      ),
    );
  }

  start(): void {
    this.groups.forEach((g) => g.start());
  }

  stop(): void {
    this.groups.forEach((g) => g.stop());
  }

  groupHealth(): GroupHealth[] {
    return this.groups.map((g) => g.health);
  }

  /** Evaluates every group once at `t` (tests, and `lineops` after a reload). */
  async evaluateAll(t: number): Promise<void> {
    for (const g of this.groups) {
      await g.evaluate(t);
    }
  }
}
