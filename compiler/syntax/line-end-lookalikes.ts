// Characters that editors, viewers and Unicode line breaking (UAX #14, classes BK and NL) may show
// as a line end, and that Writ reads as none: a line ends only at a newline (`\n`, `\r\n`, `\r`).
//
// Where a reader sees a line end the compiler does not read, the two read different code. Inside a
// `//` comment, the text after such a character would look like the next line's code to a reviewer
// and be comment to the compiler (`// note<U+2028>forbid f when …`: a rule seen, never read). So a
// `//` comment stops before one (lexer.ts), and the character is refused where it then stands
// (W0105): outside a string, U+2028, U+2029, NEL and the vertical tab start no token, and a form
// feed, white space elsewhere, is refused right after a comment (lexing.ts). In a string literal
// such a character is part of the value, and `writ fmt` writes it as an escape.

import { error, type Diagnostic } from "../diagnostics.js";
import { W } from "./diagnostic-codes.js";

/** The characters, as a regular-expression class body (the lexer ends a `//` comment before them). */
export const LINE_END_LOOKALIKE_CLASS = "\\u2028\\u2029\\u0085\\v\\f";

const LINE_END_LOOKALIKE = new RegExp(`[${LINE_END_LOOKALIKE_CLASS}]`);

// a Map, not an object: a character looked up that is not among them reads nothing inherited
const NAMES: ReadonlyMap<string, string> = new Map([
  ["\u2028", "line separator"],
  ["\u2029", "paragraph separator"],
  ["\u0085", "next line"],
  ["\v", "vertical tab"],
  ["\f", "form feed"],
]);

/** The first such character in `text`, or undefined. */
export function firstLineEndLookalike(text: string): string | undefined {
  return LINE_END_LOOKALIKE.exec(text)?.[0];
}

/** `U+2028 (line separator)`: the character named by its code point, which any reader sees. */
function named(ch: string): string {
  return `U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")} (${NAMES.get(ch)!})`;
}

/** What the character is, and why it is refused: said after the message's own words. */
export function lineEndLookalikeReason(ch: string): string {
  return `${named(ch)} is read as no line end, though editors may show one there`;
}

/** The help for one character: its own escape shown. */
export function lineEndLookalikeHelp(ch: string): string {
  const escape = `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
  return `write a newline where the line should end, or remove it; a string can hold it as the escape \`${escape}\``;
}

/**
 * W0105 for such a character right after a `//` comment, at `offset`: the comment stopped before
 * it, and what follows on the line is read as code.
 */
export function afterCommentDiagnostic(ch: string, offset: number): Diagnostic {
  return error(
    W.UnexpectedCharacter,
    `this \`//\` comment ends at ${named(ch)}, which is read as no line end, though editors may show one there: the text after it is read as code`,
    { start: offset, end: offset + 1 },
    lineEndLookalikeHelp(ch),
  );
}
