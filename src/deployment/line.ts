// Loads a line.yaml: schema validation plus the checks that need the whole line (dependency cycles).
import { loadYamlFile, parseYaml, type Validator } from "../config/load.js";
import { lineSchema, type LineSpec } from "../config/line-schema.js";
import { validateLineAnalysis } from "./analysis/templates.js";
import { parseWindow } from "../model/calendar.js";
import { assertTimeZone } from "../model/zone.js";
import { dependencyLevels, findCycle } from "./plan.js";
import { parseConstraint, satisfies } from "./versions.js";

export function dependencyGraph(line: LineSpec): Map<string, string[]> {
  return new Map(line.services.map((s) => [s.name, s.dependsOn]));
}

const noCycles: Validator<LineSpec> = (line) => {
  const cycle = findCycle(dependencyGraph(line));
  if (!cycle) {
    return [];
  }
  const first = cycle[0] ?? "";
  const index = line.services.findIndex((s) => s.name === first);
  const depIndex = line.services[index]?.dependsOn.indexOf(cycle[1] ?? "") ?? 0;
  return [
    { path: ["services", index, "dependsOn", depIndex], message: `dependency cycle: ${cycle.join(" -> ")}` },
  ];
};

/** Deploy windows and time zones parse (their grammar lives with the gates). */
const validGates: Validator<LineSpec> = (line) => {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const check = (gates: LineSpec["gates"], path: (string | number)[]) => {
    if (!gates) {
      return;
    }
    try {
      assertTimeZone(gates.timezone);
    } catch (err) {
      problems.push({ path: [...path, "timezone"], message: (err as Error).message });
    }
    gates.windows.forEach((w, i) => {
      try {
        parseWindow(w);
      } catch (err) {
        problems.push({ path: [...path, "windows", i], message: (err as Error).message });
      }
    });
  };
  check(line.gates, ["gates"]);
  line.services.forEach((s, i) => check(s.gates, ["services", i, "gates"]));
  return problems;
};

/** `requires` names a dependency, parses, and holds for the versions this line file deploys. */
const validRequires: Validator<LineSpec> = (line) => {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const versions = new Map(line.services.map((s) => [s.name, s.version]));
  line.services.forEach((s, i) => {
    for (const [dep, constraint] of Object.entries(s.requires)) {
      const path = ["services", i, "requires", dep];
      if (!s.dependsOn.includes(dep)) {
        problems.push({ path, message: `"${dep}" must also be in dependsOn, so it is deployed first` });
      } else if (!parseConstraint(constraint)) {
        problems.push({
          path,
          message: `invalid version constraint "${constraint}" (e.g. ">=1.1", ">=1.1, <2", "1.2.0")`,
        });
      } else if (!satisfies(versions.get(dep) ?? "", constraint)) {
        problems.push({
          path,
          message: `${s.name} ${s.version} needs ${dep} ${constraint}, but this line deploys ${dep} ${versions.get(dep)}`,
        });
      }
    }
  });
  return problems;
};

const validLine: Validator<LineSpec> = (line) => [
  ...validRequires(line),
  ...noCycles(line),
  ...validGates(line),
  ...validateLineAnalysis(line),
];

export function loadLineFile(file: string): LineSpec {
  return loadYamlFile(file, lineSchema, validLine);
}

export function parseLine(text: string, file: string): LineSpec {
  return parseYaml(text, file, lineSchema, validLine);
}

/** The start order of a valid line: lists of services that may start together. */
export function startOrder(line: LineSpec): string[][] {
  return dependencyLevels(dependencyGraph(line));
}
