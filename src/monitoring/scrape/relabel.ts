// Prometheus relabeling (relabel_configs, metric_relabel_configs): rewrites a label set or drops
// it. Regexes are anchored at both ends; replacements use Go's $1 / ${1} / ${name} syntax.
import { createHash } from "node:crypto";
import type { RelabelConfig } from "../../config/scrape-schema.js";
import { compileRegex, expandTemplate, type Regex } from "../../model/regexp.js";
import type { Labels } from "../model.js";

type CompiledRelabel = RelabelConfig & { re: Regex };

/** Compiles each rule's regex (RE2, anchored, as Prometheus); the config schema has validated them. */
export function compileRelabel(configs: readonly RelabelConfig[]): CompiledRelabel[] {
  return configs.map((c) => ({ ...c, re: compileRegex(c.regex) }));
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Applies the rules in order; returns undefined when a rule drops the label set. */
export function relabel(labels: Labels, rules: readonly CompiledRelabel[]): Labels | undefined {
  if (rules.length === 0) {
    return labels;
  }
  const out: Record<string, string> = { ...labels };
  for (const r of rules) {
    const value = r.source_labels.map((n) => out[n] ?? "").join(r.separator);
    switch (r.action) {
      case "keep":
        if (!r.re.matches(value)) {
          return undefined;
        }
        break;
      case "drop":
        if (r.re.matches(value)) {
          return undefined;
        }
        break;
      case "keepequal":
        if (value !== (out[r.target_label ?? ""] ?? "")) {
          return undefined;
        }
        break;
      case "dropequal":
        if (value === (out[r.target_label ?? ""] ?? "")) {
          return undefined;
        }
        break;
      case "replace": {
        const m = r.re.exec(value);
        if (!m) {
          break;
        }
        const target = expandTemplate(r.target_label ?? "", m);
        if (!LABEL_NAME.test(target)) {
          break;
        }
        const v = expandTemplate(r.replacement, m);
        if (v === "") {
          delete out[target];
        } else {
          out[target] = v;
        }
        break;
      }
      case "lowercase":
        out[r.target_label ?? ""] = value.toLowerCase();
        break;
      case "uppercase":
        out[r.target_label ?? ""] = value.toUpperCase();
        break;
      case "hashmod": {
        // Prometheus: the last 8 bytes of the MD5 sum as a big-endian uint64, modulo `modulus`.
        const sum = createHash("md5").update(value).digest();
        const mod = BigInt(r.modulus ?? 1);
        out[r.target_label ?? ""] = String(sum.readBigUInt64BE(8) % mod);
        break;
      }
      case "labelmap":
        for (const [name, v] of Object.entries(out)) {
          const m = r.re.exec(name);
          if (m) {
            out[expandTemplate(r.replacement, m)] = v;
          }
        }
        break;
      case "labeldrop":
        for (const name of Object.keys(out)) {
          if (r.re.matches(name)) {
            delete out[name];
          }
        }
        break;
      case "labelkeep":
        for (const name of Object.keys(out)) {
          if (!r.re.matches(name)) {
            delete out[name];
          }
        }
        break;
    }
  }
  return out;
}
