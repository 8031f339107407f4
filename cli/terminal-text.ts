// Text as the command line prints it. A path or a value given on the command line, or a file name
// read from a directory, may hold control characters: an ANSI sequence that recolours or clears the
// screen, an OSC that retitles the terminal, a line end that forges a line of its own. Every message
// and every line of output passes through terminalText once, where it is printed (main() in
// main.ts), instead of each message escaping what it quotes.
//
// A message may hold its own line breaks and tabs (a usage text, a diagnostic with its caret, a
// table): those stay. Every other control character becomes a `\u001b` escape (escapeControls), and
// so does a line break or tab that is part of something the command line gave, wherever a message
// quotes it: main() knows the command line, and looks for its pieces in the text. Text that is
// already escaped holds no control character, so escaping it again changes nothing.

import { escapeControls } from "../runtime/thrown.js";

/** The control characters a message may print raw, when they are its own. */
const LAYOUT = /([\n\t])/;

/**
 * The pieces of the command line that hold a line break or a tab, as messages quote them: each
 * argument, each part of it between `/`, `=` and `,` (a path's file name, a flag's value, one key of
 * a list), each directory on a path's way (`a/x<LF>y` of `a/x<LF>y/p.writ`), and each of those cut at
 * the first `.` after its last line break or tab (the bundle named by `x<LF>y.wasm` is quoted as
 * `x<LF>y.manifest.json`). Longest first.
 *
 * A piece that is only white space (a directory named `<LF>`) is left out: it would match every line
 * break of every message, a usage text's and a diagnostic's, and it holds nothing that could pass for
 * text of writ's own. What quotes it whole (`nl/<LF>/p.writ`, the directory `nl/<LF>`) is still escaped.
 */
export function layoutPieces(argv: readonly string[]): string[] {
  const pieces = new Set<string>();
  for (const arg of argv) {
    if (!LAYOUT.test(arg)) continue;
    for (const piece of [arg, ...arg.split(/[/=,]/), ...directoriesOf(arg)]) {
      if (!LAYOUT.test(piece) || !/\S/.test(piece)) continue;
      pieces.add(piece);
      const last = Math.max(piece.lastIndexOf("\n"), piece.lastIndexOf("\t"));
      const dot = piece.indexOf(".", last);
      if (dot > last + 1) pieces.add(piece.slice(0, dot));
    }
  }
  return [...pieces].sort((a, b) => b.length - a.length);
}

/** `a`, `a/b` of `a/b/c`: the directories a path passes through, as a message quotes them. */
function directoriesOf(path: string): string[] {
  const dirs: string[] = [];
  for (let slash = path.indexOf("/", 1); slash > 0; slash = path.indexOf("/", slash + 1)) dirs.push(path.slice(0, slash));
  return dirs;
}

/**
 * `text` as it may reach a terminal: the `pieces` of the command line (layoutPieces) escaped
 * wherever they occur, then every control character but the text's own line breaks and tabs.
 */
export function terminalText(text: string, pieces: readonly string[] = []): string {
  let shown = text;
  for (const piece of pieces) if (shown.includes(piece)) shown = shown.split(piece).join(escapeControls(piece));
  return shown
    .split(LAYOUT)
    .map((part, i) => (i % 2 === 1 ? part : escapeControls(part)))
    .join("");
}
