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
