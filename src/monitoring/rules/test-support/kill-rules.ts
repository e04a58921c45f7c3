// The rules of the SIGKILL test, shared by the child that is killed and the test that restarts.
import type { RuleGroupConfig } from "../../../config/rules-schema.js";

export const MIN = 60_000;

const rule = (alert: string, expr: string, forMs: number) => ({
  alert,
  expr,
  for: forMs,
  labels: { severity: "page" },
  annotations: {},
});

export const killTestRules: { file: string; groups: RuleGroupConfig[] }[] = [
  {
    file: "kill.yaml",
    groups: [
      {
        name: "line",
        limit: 0,
        labels: {},
        rules: [
          rule("Slow", 'temp{zone="a"} > 50', 30 * MIN),
          rule("Fast", 'temp{zone="a"} > 50', 0),
          rule("Gone", 'temp{zone="b"} > 50', 0),
        ],
      },
    ],
  },
];
