// What a CLI command may touch: its arguments, its output streams and its working directory.
// Commands take this instead of reaching for `process` so tests can run them in-process.

import { closest } from "../runtime/closest-name.js";

export interface CliIO {
  /** the working directory, or CWD_GONE when it no longer exists */
  readonly cwd: string;
  /**
   * Prints `text` on standard output. `ifLost` says what the command has already done that this
   * output was to show (an artifact issued and logged): should standard output fail (a full disk),
   * the message saying so tells it, so that nothing done is lost unseen.
   */
  out(text: string, ifLost?: string): void;
  err(text: string): void;
  /**
   * Reads all of standard input (for `--input -`, `--requests -`), at most `limit.bytes` of it, as
   * a file given for the same option is read; `limit.what` names what it holds, for the message
   * that refuses more.
   */
  readStdin(limit: ReadLimit): Promise<string>;
}

/** How much of a file, or of standard input, one option reads, and what it holds ("a list of requests"). */
export interface ReadLimit {
  readonly bytes: number;
  readonly what: string;
}

export interface Command {
  readonly name: string;
  /** one line for `writ --help` */
  readonly summary: string;
  /** full usage text for `writ <name> --help` */
  readonly usage: string;
  /** returns the process exit code; never throws for bad user input */
  run(args: readonly string[], io: CliIO): Promise<number>;
}

/** How main() lets a command print a file's own text unescaped (printVerbatim); see terminalIO in main.ts. */
export const verbatimOut = new WeakMap<CliIO, (text: string) => void>();

/**
 * Prints a file's own text on standard output as it is, control characters and all: `writ fmt`'s
 * canonical form of a policy, which a redirect (`writ fmt p.writ > q.writ`) must receive byte for
 * byte, as from `cat`. Everything else a command prints goes through io.out, escaped.
 */
export function printVerbatim(io: CliIO, text: string): void {
  (verbatimOut.get(io) ?? io.out)(text);
}

/** How main() lets a command print machine-readable output (printJson); see terminalIO in main.ts. */
export const machineOut = new WeakMap<CliIO, (text: string) => void>();

/**
 * Prints `value` as JSON on standard output, for programs to read (`writ eval`, `--json`). JSON
 * writes every line break and tab inside a string as an escape, so what the command line gave cannot
 * reach the terminal raw through it; what main() escapes in messages wherever the command line's
 * pieces occur (terminal-text.ts) is not looked for here, where a piece could only match the JSON's
 * own layout and break it.
 */
export function printJson(io: CliIO, value: unknown): void {
  (machineOut.get(io) ?? io.out)(JSON.stringify(value, null, 2));
}

/** Exit codes shared by every command. */
export const EXIT_OK = 0;
/** the command ran and found a problem: diagnostics, a failing test, a deny, a refused artifact */
export const EXIT_FAILURE = 1;
/** the command line itself was wrong */
export const EXIT_USAGE = 2;
/** a bug in writ itself (EX_SOFTWARE) */
export const EXIT_INTERNAL = 70;

/**
 * CliIO.cwd when the working directory has been removed. Empty, `givenPath(io.cwd, path)` gives an
 * absolute path as it is, and for a relative one asks the process for its directory, which throws
 * (ENOENT from uv_cwd): environmentFailure (environment-failure.ts) says it in one line.
 */
export const CWD_GONE = "";

/**
 * An empty path is what an unset variable gives (`writ check $FILE`). Resolved, it would name the
 * working directory: "is a directory" for a policy, and for a command that also takes a bundle
 * directory, whatever bundle is there. Every command refuses an empty path (a policy, a bundle, an artifact, a log) as a
 * usage error (exit 2), before reading anything.
 */
export const EMPTY_PATH = "an empty path names no file or directory";

/** `writ <command>: an empty path …` when one of `paths` is empty, else undefined. */
export function emptyPathError(command: string, paths: readonly string[]): string | undefined {
  return paths.includes("") ? `writ ${command}: ${EMPTY_PATH}` : undefined;
}


export interface ParsedArgs {
  readonly positional: string[];
  readonly flags: Map<string, string | true>;
  /** flags that take a value but came without one, as written (`--sign`) */
  readonly missing: string[];
  /** flags given more than once (by the same name, or once by each of its names), as written each time */
  readonly repeated: { readonly first: string; readonly again: string }[];
  /** boolean flags written with a value (`--write=false`), as written: the value would be ignored */
  readonly valued: string[];
}

/** A command line that cannot mean anything: the CLI prints it with the command's name, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Minimal flag parser: `--name value`, `--name=value`, `-o value`, and boolean flags listed in
 * `booleans`. Unknown flags are reported by the caller via `unknownFlags`, which also refuses a flag
 * that takes a value and has none — last on the line, or followed by another flag: dropping it would
 * run `--sign` unsigned or `--pub` unverified, and taking the next flag as its value would write into
 * a directory called `--O0`.
 */
export function parseArgs(args: readonly string[], booleans: readonly string[] = []): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  const missing: string[] = [];
  const repeated: { first: string; again: string }[] = [];
  const valued: string[] = [];
  // each option given so far, by its long name, as it was written
  const given = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith("-") && a !== "-") {
      const eq = a.indexOf("=");
      const written = eq >= 0 ? a.slice(0, eq) : a;
      const bare = written.replace(/^--?/, "");
      // one dash for one letter, two for a word: `-pub` is no `--pub` (nor `-p -u -b`) and `--i` no
      // `-i`; such a flag keeps its dashes, is no option any command knows, and is refused as written
      const name = !bare.startsWith("-") && (written.startsWith("--") ? bare.length > 1 : bare.length === 1) ? bare : written;
      // given twice, the first would be silently dropped (`--pub a --pub b` trusting b alone), and so
      // would one of `-i a --input b`
      const option = LONG_NAMES.get(name) ?? name;
      const first = given.get(option);
      if (first !== undefined) repeated.push({ first, again: written });
      else given.set(option, written);
      if (booleans.includes(name)) {
        // `--write=false` would write: a boolean flag takes no value, and one given is refused
        if (eq >= 0) valued.push(a.slice(0, eq));
        flags.set(name, true);
      } else if (eq >= 0 || (i + 1 < args.length && !isFlag(args[i + 1]!))) {
        const value = eq >= 0 ? a.slice(eq + 1) : args[++i]!;
        flags.set(name, value);
        // an empty value (an unset `$OUT` in `-o "$OUT"`) is no value: `-o ""` would write into the
        // current directory, `--pub ""` trust nothing
        if (value === "") missing.push(eq >= 0 ? a.slice(0, eq) : a);
      } else {
        flags.set(name, true);
        missing.push(a);
      }
    } else positional.push(a);
  }
  return { positional, flags, missing, repeated, valued };
}

/**
 * The long name of each option that also has a short one, by the short one. Every command that takes
 * one of these takes it by both names, and no command gives a short name another meaning.
 */
export const LONG_NAMES: ReadonlyMap<string, string> = new Map([
  ["i", "input"],
  ["o", "out"],
  ["k", "key"],
  ["w", "write"],
  ["c", "check"],
]);

/** The short name of each option that has one, by its long name. */
const SHORT_NAMES: ReadonlyMap<string, string> = new Map([...LONG_NAMES].map(([short, long]) => [long, short]));

/** `-x` or `--name`, but not `-` alone (standard input) nor a negative number (a value, checked by the command) */
function isFlag(a: string): boolean {
  return a.startsWith("-") && a !== "-" && !/^-\d/.test(a);
}

/**
 * The flags not in `known`, for the command to report, each as the refusal shows it (unknownShown).
 * When every flag is known but one that takes a value came without it, throws a UsageError naming it
 * (the CLI prints it and exits 2).
 */
export function unknownFlags(parsed: ParsedArgs, known: readonly string[]): string[] {
  const unknown = [...parsed.flags.keys()].filter((f) => !known.includes(f)).map((f) => unknownShown(f, known));
  if (unknown.length === 0 && parsed.missing.length > 0) throw new UsageError(`${parsed.missing[0]} needs a value`);
  if (unknown.length === 0 && parsed.valued.length > 0) throw new UsageError(`${parsed.valued[0]} takes no value (it is on when given)`);
  const twice = parsed.repeated[0];
  if (unknown.length === 0 && twice !== undefined)
    throw new UsageError(`${twice.first === twice.again ? twice.first : `${twice.first} and ${twice.again} name one option, which`} is given twice (${twiceHint(twice.first)})`);
  return unknown;
}

/**
 * What to do instead of giving `written` twice. Every command that takes --pub reads a list of
 * keys from it; any other option holds one value.
 */
function twiceHint(written: string): string {
  return written === "--pub" ? "--pub takes several keys as one list: --pub a.jwk,b.jwk" : "an option takes one value";
}

/** What a command takes besides its options: what its usage calls them, and how few and how many. */
export interface Arguments {
  readonly what: string;
  readonly min: number;
  readonly max: number;
}

/**
 * What is wrong with a command line, said as the refusal's first line, or undefined: an option not
 * in the command's list (`unknown`, from unknownFlags), too few or too many arguments, or one of
 * `required` (options by their long names; a short name counts as its long one) left out. Printing
 * the usage alone would leave the user to find which.
 */
export function commandLineProblem(command: string, parsed: ParsedArgs, unknown: readonly string[], args: Arguments, required: readonly string[] = []): string | undefined {
  if (unknown.length > 0) return `unknown option ${unknown[0]!}`;
  const dashed = FILE_OPTIONS.find((name) => parsed.flags.get(name) === "-");
  if (dashed !== undefined)
    return `${optionShown(dashed)} - names no file: \`-\` is standard input or output, which ${optionShown(dashed)} does not read or write (a file named \`-\` is ./-)`;
  const { positional } = parsed;
  if (positional.length < args.min) return `missing ${args.what}`;
  if (positional.length > args.max)
    return `unexpected argument \`${positional[args.max]}\`: writ ${command} takes ${args.max === 0 ? "options only" : `one ${args.what}`}`;
  const left = required.find((name) => !parsed.flags.has(name) && !parsed.flags.has(SHORT_NAMES.get(name) ?? name));
  return left === undefined ? undefined : `${optionShown(left)} is required`;
}

/**
 * The options whose value names a file or directory of their own, never standard input or output:
 * given `-`, which everywhere else is one of those, each would read or write a file named `-` (a
 * key, a bundle directory) where the user meant a pipe. `--input`, `--requests` and an artifact
 * read standard input for `-`; `--log -` is refused by authorize in words of its own.
 */
const FILE_OPTIONS: readonly string[] = ["key", "k", "sign", "pub", "bundle", "replay", "source", "o", "out"];

/** `-k` for a one-letter name, `--key` for another. */
function optionShown(name: string): string {
  return `${name.length === 1 ? "-" : "--"}${name}`;
}

/**
 * An option no command of this line takes, as written, with what the user may have meant among the
 * command's own (`known`): the same option with the right count of dashes (parseArgs keeps the dashes
 * of a flag written with the wrong count), one-letter options run together, or the nearest name. A
 * hint never names an option the command does not take: `-pubx` is no `--pubx`.
 */
function unknownShown(name: string, known: readonly string[]): string {
  // parseArgs keeps the dashes of a flag only when their count is wrong for its name
  const wrongDashes = name.startsWith("-");
  const shown = wrongDashes ? name : optionShown(name);
  const bare = name.replace(/^-+/, "");
  if (bare === "") return name;
  if (wrongDashes && known.includes(bare))
    return `${name} (${bare.length === 1 ? `a one-letter option takes one dash: -${bare}` : `an option of more than one letter takes two dashes: --${bare}`})`;
  // `-ik`: one-letter options run together, as some commands take them
  if (wrongDashes && !name.startsWith("--") && [...bare].every((c) => known.includes(c)))
    return `${name} (one-letter options are given one at a time, each with its own dash: ${[...bare].map((c) => `-${c}`).join(" … ")})`;
  // `-ik` where only `-i` is this command's: the option, and that it stands alone
  if (wrongDashes && !name.startsWith("--") && known.includes(bare[0]!))
    return `${name} (\`-${bare[0]}\` is an option of this command, given alone: \`-${bare[0]}\` and its value, then the next option; \`${bare.slice(1)}\` is no option of it)`;
  const near = bare.length > 1 ? closest(bare, known.filter((k) => k.length > 1)) : undefined;
  return near === undefined ? shown : `${shown} (did you mean --${near}?)`;
}

/** Prints `writ <command>: <problem>` and the command's usage; returns EXIT_USAGE. */
export function refuseUsage(io: CliIO, command: Pick<Command, "name" | "usage">, problem: string): typeof EXIT_USAGE {
  io.err(`writ ${command.name}: ${problem}\n\n${command.usage}`);
  return EXIT_USAGE;
}

export function flagString(parsed: ParsedArgs, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = parsed.flags.get(n);
    if (typeof v === "string") return v;
  }
  return undefined;
}

/**
 * A whole number written in decimal digits, or NaN: Number() would also take `0x10`, `1e3`, ` 5`
 * and `3.0`, none of which is how one writes a count on a command line.
 */
export function decimalCount(text: string): number {
  return /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
}
