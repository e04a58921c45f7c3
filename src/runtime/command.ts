// Resolves the command of an instance or exec probe to what we actually spawn.
// "node" means the Node binary running lineops, so services run on the same runtime regardless of PATH.

export function resolveCommand(command: string): string {
  return command === "node" ? process.execPath : command;
}

// Variables an instance inherits from the control plane. Only these: the control plane's own
// environment may hold credentials (API tokens, DB URLs) that services must not see.
const INHERITED_ENV = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "LANG",
  "LC_ALL",
  "LC_CTYPE",
  "TZ",
  "TMPDIR",
];

/** The inherited part of a child's environment; the spec's env and lineops' own variables go on top. */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of INHERITED_ENV) {
    const v = process.env[k];
    if (v !== undefined) {
      env[k] = v;
    }
  }
  return env;
}
