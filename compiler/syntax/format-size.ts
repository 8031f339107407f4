// Why a file's canonical form can be longer than the parser takes (W0114) when the file itself is
// not, said in the terms of formatting rather than of compiling.
//
// The canonical form puts each entry of a list or object too long for one line on a line of its
// own, indented two spaces for each level it is nested in (format.ts): 20,000 entries nested 95
// deep in a test's data are 279 KB as written on one line and over 4 MiB formatted, nearly all of
// it indentation. It also writes a character that cannot be seen (a no-break space, a direction
// mark) in a string as its escape, several characters for one. And it adds tokens: parentheses
// (around `&&` inside `||`, around a `?:` in another), a comma after the last entry of a `let`'s
// list broken one entry a line, `["…"]` for a quoted field name holding such a character. Either
// way the file is within the limits as it is; only its formatting is not.

import type { Diagnostic } from "../diagnostics.js";
import { W } from "./diagnostic-codes.js";

export interface FormattedTooLarge {
  /** what would exceed the limit, and the limit: "would be 4,195,897 characters long, more than the 4,194,304 a policy may have" */
  readonly what: string;
  /** why formatting grows the text this much, and what to do */
  readonly help: string;
}

const count = (n: number): string => n.toLocaleString("en-US");

/** The characters of `text` that are spaces starting a line. */
function indentation(text: string): number {
  let spaces = 0;
  for (const m of text.matchAll(/^ +/gm)) spaces += m[0].length;
  return spaces;
}

/**
 * Why the canonical form `formatted` of `original` is too large to parse, from the diagnostics of
 * parsing it (`reparsed`): undefined when they hold no W0114. `limit` is the most characters a
 * policy may have (MAX_SOURCE_LENGTH); a text within it was refused for its tokens.
 */
export function formattedTooLarge(original: string, formatted: string, limit: number, reparsed: readonly Diagnostic[]): FormattedTooLarge | undefined {
  const refused = reparsed.find((d) => d.code === W.TooLarge);
  if (refused === undefined) return undefined;
  if (formatted.length > limit) {
    const indent = indentation(formatted);
    // indentation is named as the cause only where it is most of what formatting added
    const mostlyIndentation = indent * 2 >= formatted.length - original.length;
    return {
      what: `would be ${count(formatted.length)} characters long, more than the ${count(limit)} a policy may have (W0114)`,
      help:
        `the file is ${count(original.length)} characters; formatted, ${count(indent)} of its characters would be indentation. ` +
        (mostlyIndentation
          ? "The canonical form puts each entry of a list or object too long for one line on a line of its own, indented two spaces for each level it is nested in: " +
            "nest long lists and objects less deep, or shorten them"
          : "The canonical form writes each character in a string that cannot be seen (a no-break space, a direction mark, a control) as its escape, several characters for one: " +
            "write such strings with fewer of them, or keep them in the request") +
        ", or leave the file unformatted: as it is, it is within the limit",
    };
  }
  return {
    // the parser's message is about "the text": here the text is the formatted one
    what: `${refused.message.replace(/^the text has/, "would have")} (W0114)`,
    help:
      "the canonical form adds tokens: parentheses around `&&` inside `||` and around a `?:` inside another expression, a comma after the last entry of a `let`'s list broken one entry a line, " +
      "and `[\"…\"]` for a quoted field name holding a character that cannot be seen: split the policy, or leave the file unformatted: as it is, it is within the limit",
  };
}
