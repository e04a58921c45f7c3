// Lint rules: strict typescript-eslint, zero warnings (CI runs with --max-warnings 0).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

// The engines of DESIGN.md, built or to come.
const ENGINES = ["deployment", "monitoring", "alerting", "dashboard", "infrastructure"];

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
  ...importRules("src/runtime/**", [...ENGINES, "api", "cli", "config"]),
  ...importRules("src/monitoring/**", [...ENGINES.filter((e) => e !== "monitoring"), "api", "cli"]),
  ...importRules("src/{deployment,alerting,dashboard,infrastructure,store,events}/**", ["api", "cli"]),
  // The shared data model (labels, matchers, sample values, durations, statistics) sits below every
  // layer: anyone may import it, it imports nothing of lineops but src/errors.ts.
  ...importRules("src/model/**", [...ENGINES, "runtime", "api", "cli", "config", "store", "events"]),
  ...importRules("line/**", ["src"]),
  // Engines are used through their public entry only: outside src/deployment/ only its index.ts
  // may be imported, outside src/monitoring/ only its index.ts (other engines query through the
  // MetricsQuerier, never promql/ or tsdb/ directly). Their parts may change shape without touching
  // main.ts, the API or the CLI. Tests and test-support may reach internals to build fixtures.
  // typescript-eslint's variant of the rule, so it adds to the layer rules above instead of
  // replacing their options; the blocks' files do not overlap, as a later block would override.
  ...seamRules(["deployment", "monitoring", "alerting", "dashboard"]),
  // The CLI (DESIGN.md: "cli/ imports nothing from src/ but the API client and shared types").
  // Online commands talk to a running lineops over HTTP: they import the CLI's own modules, the API's
  // wire types (src/api/types.ts, types only), src/version.ts and src/errors.ts, and nothing else of
  // lineops, statically or with import(). main.ts also registers the offline commands.
  ...onlineCliRules(["src/cli/*.ts"], "../", ["src/cli/main.ts"]),
  ...onlineCliRules(["src/cli/commands/**/*.ts"], "../../"),
  // Offline commands (serve, demo, check, tsdb, admin-token) open the data directory or run lineops
  // in-process: engines, store, config, model and src/main.ts, but never api/ (the server is reached
  // through main.ts) nor the online commands or the HTTP client. The rule is quoted in
  // src/cli/offline/index.ts.
  {
    files: ["src/cli/offline/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/api/**", "../../api", "../../web/**", "../../../line/**"],
              message: "offline CLI commands may not import api/ (see src/cli/offline/index.ts)",
            },
            {
              group: ["../commands/**", "../client.js"],
              message: "offline CLI commands do not talk HTTP: no online command or API client",
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

/**
 * The online CLI's rule for files `up` levels below src/ ("../" or "../../"): relative imports that
 * leave src/cli/ are errors except version.ts, errors.ts and, as types only, api/types.ts.
 */
function onlineCliRules(files, up, mayRegisterOffline = []) {
  const outside = `${up}**`;
  const message =
    "an online CLI command imports only src/cli/**, src/api/types.ts (types), src/version.ts and src/errors.ts (see eslint.config.js)";
  const offline = up === "../" ? "./offline/**" : "../offline/**";
  // import("...") is not seen by no-restricted-imports: any dynamic import leaving src/cli/ is refused.
  const escape = up.replaceAll(".", "\\.").replaceAll("/", "\\x2F");
  const rule = (patterns) => ({
    "@typescript-eslint/no-restricted-imports": ["error", { patterns }],
    "no-restricted-syntax": [
      "error",
      {
        selector: `ImportExpression[source.value=/^${escape}/]`,
        message: `${message}; import() included`,
      },
    ],
  });
  const common = [
    { group: [outside, `!${up}api`, `!${up}api/types.js`, `!${up}version.js`, `!${up}errors.js`], message },
    {
      group: [`${up}api/types.js`],
      allowTypeImports: true,
      message: `${message}: import type from api/types.ts`,
    },
  ];
  return [
    {
      files,
      ignores: ["**/*.test.ts", ...mayRegisterOffline],
      rules: rule([
        ...common,
        {
          group: [offline],
          message: "online CLI modules do not load offline commands (only main.ts registers them)",
        },
      ]),
    },
    ...(mayRegisterOffline.length > 0 ? [{ files: mayRegisterOffline, rules: rule(common) }] : []),
  ];
}

/** One block per engine folder (may import its own internals) and one for the rest of src/. */
function seamRules(engines) {
  const ignores = ["**/*.test.ts", "**/test-support/**"];
  const pattern = (e) => ({
    group: [`**/${e}/*`, `**/${e}/**/*`, `!**/${e}/index.js`],
    message: `import the ${e} engine through src/${e}/index.ts only (see docs/architecture.md)`,
  });
  const block = (files, blockIgnores, forbidden) => ({
    files,
    ignores: [...ignores, ...blockIgnores],
    rules: {
      "@typescript-eslint/no-restricted-imports": ["error", { patterns: forbidden.map(pattern) }],
    },
  });
  return [
    block(
      ["src/**/*.ts"],
      engines.map((e) => `src/${e}/**`),
      engines,
    ),
    ...engines.map((own) =>
      block(
        [`src/${own}/**/*.ts`],
        [],
        engines.filter((e) => e !== own),
      ),
    ),
  ];
}
