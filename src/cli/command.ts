// What every online command shares: the API client from the global flags, --json, and printing a
// result either as the JSON the API sent or as a table for people.
import type { Command } from "commander";
import { ApiClient, resolveConnection, type ConnectionFlags } from "./client.js";
import { printJson, printTable, type Cell } from "./output.js";

type Flags = ConnectionFlags & { json?: boolean };

export const apiClient = (cmd: Command) => new ApiClient(resolveConnection(cmd.optsWithGlobals<Flags>()));
export const wantsJson = (cmd: Command) => cmd.optsWithGlobals<Flags>().json === true;

/** "?service=NAME" for list routes that filter by service, or nothing. */
export const serviceQuery = (service: string | undefined) =>
  service ? `?service=${encodeURIComponent(service)}` : "";

/** With --json, `json` (the response as sent); otherwise one table row per item. */
export function printRows<T>(
  cmd: Command,
  json: unknown,
  headers: string[],
  items: readonly T[],
  row: (item: T) => Cell[],
): void {
  if (wantsJson(cmd)) {
    printJson(json);
  } else {
    printTable(headers, items.map(row));
  }
}

/** A list command with --service and --json: GET `path`, the items under `key`, one row each. */
export function registerListCommand<K extends string, T>(
  program: Command,
  spec: {
    name: string;
    description: string;
    path: string;
    key: K;
    headers: string[];
    row: (item: T) => Cell[];
  },
): void {
  program
    .command(spec.name)
    .description(spec.description)
    .option("--service <name>", "only this service")
    .option("--json", "print JSON")
    .action(async (opts: { service?: string }, cmd: Command) => {
      const res = await apiClient(cmd).get<Record<K, T[]>>(`${spec.path}${serviceQuery(opts.service)}`);
      const items = res[spec.key];
      printRows(cmd, { [spec.key]: items }, spec.headers, items, spec.row);
    });
}
