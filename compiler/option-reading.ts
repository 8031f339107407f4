// Reading the options object of a compiler function other than a compile (checkPolicy,
// renderDiagnostics), as the compile's options are read (options.ts) and the runtime's are
// (runtime/option-names.ts, runtime/own.ts): a name the function does not have is refused, naming
// the one meant (`{ Max: 3 }` rendered the default 50 diagnostics, `{ syntaxerrors: true }` held a
// broken parse's tests to the schema, and nothing said so), and each option is read as the object
// holds it, never as what Object.prototype holds under its name (a planted `max` cut every
// rendering short, a planted `syntaxErrors` left tests' inputs unchecked). The caller's mistake is a
// TypeError naming the function, thrown before anything is done.

import { type OptionNames, unknownOptionProblem } from "../runtime/option-names.js";
import { ownMember } from "../runtime/own.js";
import { describeThrown, shownOption } from "../runtime/thrown.js";
import { ranOutOfStack } from "../runtime/stack-ran-out.js";

/**
 * `options` when it is an object holding only names in `known`; a TypeError, prefixed with `what`
 * (the function's name), for anything else: a value that is no object, or the first unknown name
 * and the known one it is closest to (unknownOptionProblem).
 */
export function knownOptions(what: string, options: unknown, known: OptionNames): object {
  if (typeof options !== "object" || options === null) throw new TypeError(`${what}: the options must be an object, got ${shownOption(options)}`);
  const unknown = unknownOptionProblem(options, known);
  if (unknown !== null) throw new TypeError(`${what}: ${unknown}`);
  return options;
}

/**
 * `options[name]` as the object holds it (ownMember: undefined for a member it lacks, whatever
 * Object.prototype holds under the name), read once; a getter or a Proxy that throws is refused with
 * a TypeError naming the option.
 */
export function ownOptionOf(what: string, options: object, name: string): unknown {
  return readNamed(what, `options.${name}`, () => ownMember(options, name));
}

/**
 * `read()`, or a TypeError naming `what` and the `member` it reads (`options.max`, `source.text`)
 * where that throws (a getter, a Proxy).
 */
export function readNamed(what: string, member: string, read: () => unknown): unknown {
  try {
    return read();
  } catch (e) {
    // the host's stack running out is no fault of the member's (the caller tells it apart)
    if (ranOutOfStack(e)) throw e;
    throw new TypeError(`${what}: ${member} could not be read: ${describeThrown(e)}`);
  }
}

/** How an option's value is named in a refusal: a number as it is, anything else as shownOption names it. */
export function shownValue(v: unknown): string {
  return typeof v === "number" ? String(v) : shownOption(v);
}
