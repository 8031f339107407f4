// The names an options object may hold. A function that reads only the options it knows ignores
// every other name: `requireallow: true` handed to verifyArtifact left a deny verified, and
// `maxcost: 1` handed to compilePolicy compiled under the default budget, the check the host asked
// for switched off by a typo and nothing said. Every entry point of the API that takes options
// refuses a name it does not know, as it refuses an option of the wrong type, and suggests the
// name that was meant.
//
// Only the object's own enumerable names are looked at (Object.keys: a getter is not called, so an
// option is still read once, where it is used), as the options are read as the object holds them
// (own.ts): what a prototype holds is no option the host gave, known or not.

import { closest } from "./closest-name.js";
import { shownName } from "./shown-name.js";
import { describeThrown } from "./thrown.js";

/** The names a function's options may hold. */
export type OptionNames = readonly string[];

/**
 * The names of options of type T, from a record naming each of them once: the compiler refuses a
 * record that leaves one out or names one T does not have, so the list follows the interface.
 */
export function optionNames<T>(names: { readonly [K in keyof Required<T> & string]: true }): OptionNames {
  return Object.freeze(Object.keys(names));
}

/**
 * Why `options` cannot be used for its names, or null: the first own enumerable name not in `known`
 * (shown as names from outside are shown: escaped, and cut), the known name it is closest to, ignoring
 * case, when one is close enough to be the one meant, or else the names there are. A Proxy whose
 * `ownKeys` trap throws is refused with what it threw.
 */
export function unknownOptionProblem(options: object, known: OptionNames): string | null {
  let names: string[];
  try {
    names = Object.keys(options);
  } catch (e) {
    return `reading the options' names threw: ${describeThrown(e)}`;
  }
  return unknownNameProblem(names, known);
}

/** unknownOptionProblem, for names the caller has listed already (it reads each member by them). */
export function unknownNameProblem(names: readonly string[], known: OptionNames): string | null {
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length === 0) return null;
  const name = unknown[0]!;
  const others = unknown.length > 1 ? `, and ${unknown.length - 1} other${unknown.length > 2 ? "s" : ""} not known either` : "";
  return `unknown option ${shownName(name)} (${suggestion(name, known)})${others}`;
}

/** "did you mean …?" for the known name `name` is closest to, ignoring case; else the known names. */
function suggestion(name: string, known: OptionNames): string {
  const lower = known.map((k) => k.toLowerCase());
  const near = closest(name.toLowerCase(), lower);
  if (near !== undefined) return `did you mean ${known[lower.indexOf(near)]}?`;
  return known.length === 0 ? "there are no options" : `the options are ${known.join(", ")}`;
}
