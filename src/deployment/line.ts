// Loads a line.yaml: schema validation plus the checks that need the whole line (dependency cycles).
import { loadYamlFile, parseYaml, type Validator } from "../config/load.js";
import { lineSchema, type LineSpec } from "../config/line-schema.js";
import { dependencyLevels, findCycle } from "./plan.js";

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

export function loadLineFile(file: string): LineSpec {
  return loadYamlFile(file, lineSchema, noCycles);
}

export function parseLine(text: string, file: string): LineSpec {
  return parseYaml(text, file, lineSchema, noCycles);
}

/** The start order of a valid line: lists of services that may start together. */
export function startOrder(line: LineSpec): string[][] {
  return dependencyLevels(dependencyGraph(line));
}
