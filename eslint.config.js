// Lint rules: strict typescript-eslint, zero warnings (CI runs with --max-warnings 0).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", ".lineops/**", "web/dist/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      curly: ["error", "all"],
      eqeqeq: ["error", "always", { null: "ignore" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/ban-ts-comment": ["error", { "ts-ignore": "allow-with-description" }],
      "no-console": "off",
    },
  },
  // DESIGN.md's import rules: which layer may import which. Import cycles are checked by dpdm.
  ...importRules("src/runtime/**", [
    "deployment",
    "monitoring",
    "alerting",
    "dashboard",
    "infrastructure",
    "api",
    "cli",
    "config",
  ]),
  ...importRules("src/monitoring/**", [
    "deployment",
    "alerting",
    "dashboard",
    "infrastructure",
    "api",
    "cli",
  ]),
  ...importRules("src/{deployment,alerting,dashboard,infrastructure,store,events}/**", ["api", "cli"]),
  // The shared data model (labels, matchers, sample values, durations, statistics) sits below every
  // layer: anyone may import it, it imports nothing of lineops but src/errors.ts.
  ...importRules("src/model/**", [
    "runtime",
    "deployment",
    "monitoring",
    "alerting",
    "dashboard",
    "infrastructure",
    "api",
    "cli",
    "config",
    "store",
    "events",
  ]),
  ...importRules("line/**", ["src"]),
  // Monitoring's one public entry: outside src/monitoring/, only src/monitoring/index.ts may be
  // imported (other engines query through its MetricsQuerier, never promql/ or tsdb/ directly).
  // Tests and test-support may reach internals to build fixtures; bench/ measures internals.
  // The typescript-eslint variant of the rule, so it adds to the layer rules above instead of
  // replacing them (a later config's no-restricted-imports would override an earlier one's).
  {
    files: ["src/**/*.ts"],
    ignores: ["src/monitoring/**", "**/*.test.ts", "**/test-support/**"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/monitoring/*", "**/monitoring/**", "!**/monitoring/index.js"],
              message:
                'import monitoring only through src/monitoring/index.ts, its public entry (see DESIGN.md, "Who may import whom")',
            },
          ],
        },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
);

function importRules(files, forbidden) {
  return [
    {
      files: [files],
      ignores: ["**/*.test.ts", "**/test-support/**"],
      rules: {
        "no-restricted-imports": [
          "error",
          {
            patterns: forbidden.map((dir) => ({
              group: [`**/${dir}/**`, `../${dir}`, `../../${dir}`],
              message: `${files} may not import ${dir}/ (see DESIGN.md, "Who may import whom")`,
            })),
          },
        ],
      },
    },
  ];
}
