// The frame of a benchmark's main: flags parsed or a usage error (exit 2), then the run, ending in
// exit 0 or its error and exit 1, so no child or timer left behind keeps the process alive.

/** The parsed flags, or the parser's error on stderr and exit 2. */
export function argsOrExit<A>(parse: (argv: string[]) => A, argv = process.argv.slice(2)): A {
  try {
    return parse(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
}

/** Runs main: exit 0 when it resolves; otherwise `bench:<name> failed: <stack>` on stderr and exit 1. */
export function runMain(name: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(
        `bench:${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}
