// A name read from an artifact, a bundle, a key file or a log (a key id, an issuer, a policy's name or
// version, a rule), as a message shows it. Such a name is whatever its author wrote, signed or not:
// a forged artifact whose `kid` holds line ends would otherwise print lines of its own ("artifact
// verified") in the refusal that quotes it, in the host's log as on a terminal.

import { clip, escapeControls, shownOption } from "./thrown.js";

/** Longest name shown, in UTF-16 units: a key id of a megabyte must not make each message one. */
export const MAX_SHOWN_NAME = 200;

/** What a key id, a rule name or a version is made of: shown as it is. */
const PLAIN_NAME = /^[A-Za-z0-9_.+-]+$/;

/**
 * `name` as it is when it is plain (letters, digits, `_ . + -`: every key id, rule name and version
 * Writ writes), otherwise quoted as a JSON string, cut at MAX_SHOWN_NAME, with every control,
 * line or paragraph separator, zero-width and bidirectional character escaped: one line, and never
 * mistaken for a plain name (which cannot begin with `"`). Not a string: its type.
 */
export function shownName(name: string): string {
  // a host's policy object may name itself with anything: said by its type, never thrown over
  if (typeof name !== "string") return shownOption(name);
  if (name.length <= MAX_SHOWN_NAME && PLAIN_NAME.test(name)) return name;
  return escapeControls(JSON.stringify(clip(name, MAX_SHOWN_NAME)));
}
