// Resolves the command of an instance or exec probe to what we actually spawn.
// "node" means the Node binary running lineops, so services run on the same runtime regardless of PATH.

export function resolveCommand(command: string): string {
  return command === "node" ? process.execPath : command;
}
