// Command-line flags of a benchmark: each bench declares its flags and its usage text, this walks
// argv. Every bad flag or value throws an Error whose message ends with the usage text.

/** What a flag's handler reads its value through; each read takes the next argument. */
export type FlagValue = {
  /** The next argument as it is (undefined past the end). */
  raw(): string | undefined;
  /** The next argument; a missing one, or another flag in its place, is an error. */
  text(): string;
  /** Number(raw()), which must be finite and not negative. */
  nonNegative(): number;
  /** Number(text()), which must be finite and above zero. */
  positive(): number;
  /** raw(), which must be one of choices; `message` otherwise. */
  oneOf<T extends string>(choices: readonly T[], message: string): T;
};

/** A bench's flags: flag → what it does to the parsed arguments. */
export type Flags<A> = Record<string, (a: A, value: FlagValue) => void>;

type BooleanKey<A> = { [K in keyof A]-?: A[K] extends boolean ? K : never }[keyof A];

/** A switch: a flag without a value that turns one boolean of the arguments on. */
export function turnOn<A>(key: BooleanKey<A>): (a: A) => void {
  return (a) => {
    (a as Record<BooleanKey<A>, boolean>)[key] = true;
  };
}

/** Applies argv to `a` (the defaults) flag by flag; --help and -h throw the usage alone. */
export function parseFlags<A>(argv: string[], a: A, flags: Flags<A>, usage: string): A {
  const fail = (message: string): never => {
    throw new Error(`${message}\n${usage}`);
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    if (flag === "--help" || flag === "-h") {
      throw new Error(usage);
    }
    const apply = Object.hasOwn(flags, flag) ? flags[flag] : undefined;
    if (!apply) {
      return fail(`unknown flag ${flag}`);
    }
    const raw = () => argv[++i];
    const text = () => {
      const v = raw();
      return v === undefined || v.startsWith("--") ? fail(`${flag} needs a value`) : v;
    };
    apply(a, {
      raw,
      text,
      nonNegative: () => {
        const v = Number(raw());
        return Number.isFinite(v) && v >= 0 ? v : fail(`${flag} needs a non-negative number`);
      },
      positive: () => {
        const v = Number(text());
        return Number.isFinite(v) && v > 0 ? v : fail(`${flag} needs a positive number`);
      },
      oneOf: <T extends string>(choices: readonly T[], message: string): T => {
        const v = raw();
        return choices.find((c) => c === v) ?? fail(message);
      },
    });
  }
  return a;
}
