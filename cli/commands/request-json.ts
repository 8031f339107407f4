// Reading a request as JSON, for the commands that take one (`eval`, `authorize`, `verify`,
// `replay`). Kept apart from the rest so that a command can read its request before loading the
// compiler or the runtime.

import { givenPath } from "../../runtime/given-path.js";
import { readFileBounded, READ_LIMITS, TooLargeError, tooLargeMessage } from "../../runtime/bounded-read.js";
import type { CliIO, ReadLimit } from "../io.js";
import { jsonAmbiguity, jsonAmbiguityAt } from "../../runtime/json-ambiguity.js";
import { MAX_JSON_DEPTH, scanJsonBounds, tooDeepWhy, type JsonBoundsScan } from "../../runtime/json-bounds.js";
import { trimLineSpace } from "../../runtime/strings.js";
import { jsonSyntaxErrorOffset } from "../json-syntax.js";
import { escapeControls } from "../../runtime/thrown.js";
import { decodeUtf8, unreachableFileText } from "../text-files.js";

/** What readInputText reads, and so how much of it: a list of requests may be far longer than one. */
const READ_AS = {
  request: { bytes: READ_LIMITS.input, what: "a request" },
  artifact: { bytes: READ_LIMITS.input, what: "an artifact" },
  requests: { bytes: READ_LIMITS.requests, what: "a list of requests" },
} as const satisfies Record<string, ReadLimit>;

/**
 * What a request file may hold past its bytes (READ_LIMITS), checked before JSON.parse builds any of
 * it (runtime/json-bounds.ts): the most JSON.parse builds from one is then about a gigabyte (a list's
 * values), not what its 64 or 512 MiB would make (64 MiB of `{},` took 60 s and 2 GB, 512 MiB of
 * `{}` lines ran out of memory).
 */
export const REQUEST_BOUNDS = {
  /** levels of arrays and objects in one request: more than any schema declares (json-bounds.ts) */
  depth: MAX_JSON_DEPTH,
  /**
   * values in one request. A request is decided with at most MAX_SNAPSHOT_VALUES (1,000,000) values,
   * each value of its JSON one (runtime/request.ts): twice that, so that a request just past it still
   * meets the runtime's own refusal, which names the list or map too long. JSON.parse builds two
   * million values in about a second, and 130 MB at the most (empty objects).
   */
  values: 2_000_000,
  /**
   * requests in a list: one per record of a log an audit replays (a longer log is replayed a part at a
   * time: records whose requests are not given are not replayed). `writ bench` over a million of
   * policies/payments.writ's requests peaks at 1.1 GB, over a million `{}` at 420 MB; ten million `{}`
   * took 3.2 GB, nearly half of a 2-core CI runner's 7 GB and past the heap V8 takes by default there.
   */
  listRequests: 1_000_000,
  /**
   * values in all the requests of a list: an empty object, the value that costs JSON.parse the most
   * for its text, takes 64 bytes, so a list holds at most about 1 GB of them; a million requests of
   * some fifteen values each (payments.writ's) are within it.
   */
  listValues: 16_000_000,
} as const;

/** The bounds of one request's text: a request file's, or one request's in a list. */
const ONE_REQUEST = { depth: REQUEST_BOUNDS.depth, values: REQUEST_BOUNDS.values };

/**
 * The text of a file or (`-`) standard input, read as `kind` (up to its limit, whichever it comes
 * from), and the name messages give it. A file is decoded as strict UTF-8: a byte that is not would
 * read as U+FFFD, and the request (or artifact) decided, digested or verified would not be the one
 * in the file.
 */
export async function readInputText(io: CliIO, file: string, kind: keyof typeof READ_AS): Promise<{ ok: true; text: string; name: string } | { ok: false; message: string }> {
  const limit = READ_AS[kind];
  try {
    let text: string;
    if (file === "-") text = await io.readStdin(limit);
    else {
      const decoded = decodeUtf8(readFileBounded(givenPath(io.cwd, file), limit.bytes));
      if (!decoded.ok) return { ok: false, message: `${file}:${decoded.line}: not UTF-8 text` };
      text = decoded.text;
    }
    return { ok: true, text, name: file === "-" ? "standard input" : file };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // readStdin's own refusals (too long, not UTF-8) name standard input already; a system error
    // (`< somedir`: EISDIR) is said of it as of a file
    if (file === "-" && code === undefined) return { ok: false, message: (e as Error).message };
    if (e instanceof TooLargeError) return { ok: false, message: tooLargeMessage(file, e, limit.what) };
    return { ok: false, message: unreachableFileText(file === "-" ? "standard input" : file, e) };
  }
}

/**
 * `:line:column` of a JSON.parse error in `text` at offset `found` (jsonErrorOffset), or the line
 * alone where there is no offset. `firstLine`, when given, is the line `text` starts on (a JSON
 * Lines record is one line of its file), and `indent` the characters trimmed before it there, which
 * count in its column.
 */
function jsonErrorPlace(text: string, found: number | undefined, firstLine?: number, indent = 0): string {
  if (found === undefined) return firstLine === undefined ? "" : `:${firstLine}`;
  return placeAt(text, found, firstLine, indent);
}

/**
 * Why JSON.parse refused `text` with `e`, as `:line:column: <what> <reason>` (jsonErrorPlace,
 * parseErrorText); the place is looked for once, however long the text (a walk of the whole text
 * where V8 names no position).
 */
function jsonRefusal(text: string, e: unknown, what: string, firstLine?: number, indent?: number): string {
  const found = jsonErrorOffset(text, e);
  return `${jsonErrorPlace(text, found, firstLine, indent)}: ${what}: ${parseErrorText(e, text, found)}`;
}

/**
 * The offset of a JSON.parse error in `text`: where its message says, or else where the first
 * character that cannot be there is (V8 gives no position for an unexpected token: `[1,]`, `True`);
 * undefined where none is found.
 */
function jsonErrorOffset(text: string, e: unknown): number | undefined {
  const m = /at position (\d+)/.exec(e instanceof Error ? e.message : "");
  const found = m !== null ? Number(m[1]) : jsonSyntaxErrorOffset(text);
  return found === undefined ? undefined : Math.min(found, text.length);
}

/**
 * Characters that show as space, or as nothing, that JSON does not take for whitespace (RFC 8259
 * has space, tab, line feed and carriage return only), by what they are: refused where they stand,
 * with a name, where V8 says only `Unexpected token '﻿'`, quoting a character that cannot be seen.
 */
const LOOKS_LIKE_SPACE: ReadonlyMap<number, string> = new Map([
  [0xfeff, "a byte-order mark (U+FEFF)"],
  [0x00a0, "a no-break space (U+00A0)"],
  [0x000b, "a vertical tab (U+000B)"],
  [0x000c, "a form feed (U+000C)"],
  [0x0085, "a next-line control (U+0085)"],
  [0x1680, "an ogham space mark (U+1680)"],
  ...Array.from({ length: 11 }, (_, i): [number, string] => [0x2000 + i, `a typographic space (U+${(0x2000 + i).toString(16).toUpperCase()})`]),
  [0x200b, "a zero-width space (U+200B)"],
  [0x2028, "a line separator (U+2028)"],
  [0x2029, "a paragraph separator (U+2029)"],
  [0x202f, "a narrow no-break space (U+202F)"],
  [0x205f, "a mathematical space (U+205F)"],
  [0x3000, "an ideographic space (U+3000)"],
]);

/** `:line:column` of `offset` in `text`, which starts on line `firstLine` after `indent` characters (jsonErrorPlace). */
function placeAt(text: string, offset: number, firstLine = 1, indent = 0): string {
  const before = newlinesBefore(text, offset);
  return `:${firstLine + before.count}:${offset - before.last + (before.last < 0 ? indent : 0)}`;
}

/**
 * Why `text` is refused for the bound `scan` found it past, as `:line:column: why` (placed as
 * placeAt places it): `text` is one request, or a list of them.
 */
function boundsMessage(text: string, scan: Extract<JsonBoundsScan, { ok: false }>, firstLine?: number, indent?: number): string {
  const where = placeAt(text, scan.offset, firstLine, indent);
  switch (scan.fault) {
    case "depth":
      return `${where}: ${tooDeepWhy(REQUEST_BOUNDS.depth)}, deeper than any request`;
    case "values":
      return `${where}: more than ${REQUEST_BOUNDS.values} JSON values in one request, more than any request holds`;
    case "totalValues":
      return `${where}: the requests up to here hold more than ${REQUEST_BOUNDS.listValues} JSON values, the most a list of requests may hold`;
    case "units":
      return listTooLong(where);
  }
}

/**
 * A list refused for holding more than REQUEST_BOUNDS.listRequests requests, `where` the first past
 * them starts. The rest is not counted: a text of 512 MiB holds some 180 million `{}` lines, and
 * counting them all took seconds to say only how far past the limit it is.
 */
function listTooLong(where: string): string {
  return `${where}: more than ${REQUEST_BOUNDS.listRequests} requests, the most a list of requests may hold (request ${REQUEST_BOUNDS.listRequests + 1} starts here)`;
}

/**
 * How many newlines `text` holds before `end`, and where the last of them is (−1: none). Counted, a
 * run of them at once, not split out: a text of 512 MiB may hold as many lines, more than V8 holds
 * in an array.
 */
function newlinesBefore(text: string, end: number): { count: number; last: number } {
  let count = 0;
  let last = -1;
  for (let nl = text.indexOf("\n"); nl >= 0 && nl < end; nl = text.indexOf("\n", last + 1)) {
    const run = Math.min(pastNewlines(text, nl), end);
    count += run - nl;
    last = run - 1;
  }
  return { count, last };
}

/**
 * JSON.parse's reason for refusing `text`, on one line (V8 quotes the text around the error, newlines
 * and all), and what the character it stopped at is when it looks like a space but is none of JSON's.
 */
function parseErrorText(e: unknown, text: string, at: number | undefined): string {
  const said = e instanceof Error ? e.message : String(e);
  // where V8 says it is, as an offset (and, in later versions, a line and column), is said before
  // the reason already, as line:column: not twice, in two ways
  const reason = escapeControls(at === undefined ? said : said.replace(/ at position \d+( \(line \d+ column \d+\))?/, ""));
  const seen = at === undefined ? undefined : LOOKS_LIKE_SPACE.get(text.charCodeAt(at));
  if (seen === undefined) return reason;
  // some editors write a byte-order mark at the start of every UTF-8 file they save
  const advice = text.charCodeAt(at!) === 0xfeff ? ": save the file as UTF-8 without one" : "";
  return `${reason}; the character there is ${seen}, which JSON does not take for whitespace (only space, tab, line feed and carriage return)${advice}`;
}

/** Why a request file holding more than one JSON value is refused, and where a list of them is read. */
const ONE_VALUE_ONLY =
  " (a request file holds one request, one JSON value; a list of them, JSON Lines or a JSON array, is what `writ bench --requests` and `writ audit verify --requests` read)";

/** Reads a request as JSON from a file or (`-`) standard input. */
export async function readRequestJson(io: CliIO, file: string): Promise<{ ok: true; value: unknown } | { ok: false; message: string }> {
  const input = await readInputText(io, file, "request");
  if (!input.ok) return input;
  const { text, name } = input;
  const bounded = scanJsonBounds(text, ONE_REQUEST);
  if (!bounded.ok) return { ok: false, message: `${name}${boundsMessage(text, bounded)}` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // a second value after the first (JSON Lines of requests, given where one request belongs)
    const more = e instanceof Error && /non-whitespace character after JSON/.test(e.message) ? ONE_VALUE_ONLY : "";
    return { ok: false, message: `${name}${jsonRefusal(text, e, "not valid JSON")}${more}` };
  }
  const ambiguity = jsonAmbiguity(text);
  return ambiguity === undefined ? { ok: true, value } : { ok: false, message: `${name}:${ambiguity}` };
}

/** A list of requests as read, with what messages call where it came from. */
export interface RequestList {
  readonly ok: true;
  readonly values: unknown[];
  /** the file, or standard input */
  readonly name: string;
  /** from JSON Lines: the line each of `values` was read from */
  readonly lines?: readonly number[];
}

/**
 * Reads a list of requests from a file or (`-`) standard input: a JSON array, or JSON Lines (one
 * request per line; blank lines are skipped). Read as strictly as one request is (readRequestJson):
 * around a request, or on a blank line, only JSON's own whitespace (space, tab, line feed, carriage
 * return) is; a BOM, a no-break space, a vertical tab or U+2028 is refused where it is, by line and
 * column. Errors name the line that is not JSON, and say the text was read as JSON Lines.
 * From JSON Lines, the line of each request is kept, so that a message about one can name it.
 */
export async function readRequestList(io: CliIO, file: string): Promise<RequestList | { ok: false; message: string }> {
  const input = await readInputText(io, file, "requests");
  if (!input.ok) return input;
  const { text, name } = input;
  if (trimLineSpace(text).startsWith("[")) {
    // each element a request, each within a request's bounds, and the list within a list's
    const bounded = scanJsonBounds(text, { ...ONE_REQUEST, totalValues: REQUEST_BOUNDS.listValues, units: REQUEST_BOUNDS.listRequests }, 1);
    if (!bounded.ok) return { ok: false, message: `${name}${boundsMessage(text, bounded)}` };
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return { ok: false, message: `${name}${jsonRefusal(text, e, "not a valid JSON array")}` };
    }
    if (!Array.isArray(value)) return { ok: false, message: `${name}: expected a JSON array of requests or JSON Lines` };
    const ambiguity = jsonAmbiguity(text);
    if (ambiguity !== undefined) return { ok: false, message: `${name}:${ambiguity}` };
    return value.length > 0 ? { ok: true, values: value, name } : { ok: false, message: `${name}: the array holds no requests` };
  }
  // counted before any is parsed: the list is refused at once, and what is parsed is bounded
  const past = requestPastLimit(text);
  if (past !== undefined) return { ok: false, message: `${name}${listTooLong(`:${past.line}:${past.column}`)}` };
  const values: unknown[] = [];
  const at: number[] = [];
  // what the lines before hold, against REQUEST_BOUNDS.listValues
  let valuesSoFar = 0;
  for (const { start, stop, line } of nonEmptyLines(text)) {
    const read = readLine(text.slice(start, stop), line, REQUEST_BOUNDS.listValues - valuesSoFar);
    // a line that is no JSON text may be part of a request written over several lines: say how the text was read
    if (!read.ok) return { ok: false, message: `${name}${read.message}${read.notJson ? linesReading(text) : ""}` };
    if (read.blank !== true) {
      values.push(read.value);
      at.push(line);
      valuesSoFar += read.jsonValues;
    }
  }
  return values.length > 0 ? { ok: true, values, name, lines: at } : { ok: false, message: `${name}: no requests (expected a JSON array or JSON Lines)` };
}

/**
 * What a line that is not JSON was read as, said after its fault: a text not starting with `[` is
 * JSON Lines, one request per line, and a request written over several lines (as `--input` takes
 * one, pretty-printed) is no line of it. When the whole text is one JSON object, that is said too.
 */
function linesReading(text: string): string {
  const read = " (read as JSON Lines, one request per line, since it does not start with `[`";
  // a text past one request's bounds is no request over several lines, and is not parsed whole
  if (!scanJsonBounds(text, ONE_REQUEST).ok) return `${read})`;
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch {
    return `${read})`;
  }
  if (typeof whole !== "object" || whole === null) return `${read})`;
  return `${read}: the whole text is one JSON object, a request written over several lines; put it on one line, or in a JSON array)`;
}

/** Where the run of newlines from `from` in `text` ends: at the first other character, or the text's end. */
function pastNewlines(text: string, from: number): number {
  NOT_NEWLINE.lastIndex = from;
  return NOT_NEWLINE.exec(text) === null ? text.length : NOT_NEWLINE.lastIndex - 1;
}
const NOT_NEWLINE = /[^\n]/g;

/**
 * Where the first JSON Lines request past REQUEST_BOUNDS.listRequests is (its line, and the column
 * its first character is in), or undefined when they are not too many. A request is a line holding
 * more than JSON's whitespace, as readLine reads it.
 */
function requestPastLimit(text: string): { line: number; column: number } | undefined {
  let count = 0;
  for (const { start, stop, line } of nonEmptyLines(text)) {
    let first = start;
    while (first < stop && isLineSpace(text.charCodeAt(first))) first++;
    if (first < stop && ++count > REQUEST_BOUNDS.listRequests) return { line, column: first - start + 1 };
  }
  return undefined;
}

/**
 * The lines of `text` that hold a character, each as where it starts and stops (its newline or the
 * text's end) and its number; a run of empty lines is passed over at once. Found each after the one
 * before: a text of 512 MiB may hold as many (blank) lines, more than V8 holds in an array, so it is
 * not split into one.
 */
function* nonEmptyLines(text: string): Generator<{ start: number; stop: number; line: number }> {
  let line = 1;
  for (let start = 0; start < text.length; ) {
    if (text.charCodeAt(start) === 0x0a) {
      const next = pastNewlines(text, start);
      line += next - start;
      start = next;
      continue;
    }
    const nl = text.indexOf("\n", start);
    const stop = nl < 0 ? text.length : nl;
    yield { start, stop, line };
    line++;
    start = stop + 1;
  }
}

/** JSON's whitespace on a line: what trimLineSpace takes away (a line feed ends the line). */
const isLineSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d;

/** What readLine says of a blank line. */
const BLANK = Object.freeze({ ok: true, blank: true } as const);

/**
 * One line of JSON Lines, numbered `lineNumber`: blank (JSON whitespace only), a request (with the
 * count of its JSON values), or what is wrong with it as `:line:column: why` (`notJson` when it is no
 * JSON text). It holds no more than `valuesLeft` values, what the list's bound leaves after the lines
 * before. Each line is checked for ambiguities on its own: it is one JSON text, and the state of the
 * scan must not run on from the line before.
 */
function readLine(raw: string, lineNumber: number, valuesLeft: number): typeof BLANK | { ok: true; blank?: false; value: unknown; jsonValues: number } | { ok: false; message: string; notJson?: true } {
  const line = trimLineSpace(raw);
  if (line === "") return BLANK;
  // the columns before it: the JSON whitespace trimLineSpace took from the start
  let indent = 0;
  while (raw.charCodeAt(indent) !== line.charCodeAt(0)) indent++;
  const bounded = scanJsonBounds(line, { ...ONE_REQUEST, totalValues: valuesLeft });
  if (!bounded.ok) return { ok: false, message: boundsMessage(line, bounded, lineNumber, indent) };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    return { ok: false, message: jsonRefusal(line, e, "not valid JSON", lineNumber, indent), notJson: true };
  }
  const ambiguity = jsonAmbiguityAt(line);
  if (ambiguity !== undefined) return { ok: false, message: `:${lineNumber}:${indent + ambiguity.offset + 1}: ${ambiguity.why}` };
  return { ok: true, value, jsonValues: bounded.values };
}
