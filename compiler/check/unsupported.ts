// CEL features outside Writ's deterministic subset, with the message that names them. Anything in
// CEL that Writ does not implement must be a compile-time error that says so, never a silent change
// of meaning.

const FLOAT = "floating point is not supported (nondeterministic across engines and a trap for money): use int, e.g. integer cents";

/**
 * Functions and methods CEL defines that the subset leaves out, by name. A Map, looked up with the
 * name a policy writes: an object would answer `constructor` or `__proto__` with what
 * Object.prototype holds under it, and the diagnostic's message would be a function.
 */
export const UNSUPPORTED_FUNCTIONS: ReadonlyMap<string, string> = new Map(Object.entries({
  matches: "regular expressions (`matches`) are not supported",
  int: "type conversions (`int()`) are not supported",
  uint: "unsigned integers are not supported",
  double: FLOAT,
  string: "type conversions (`string()`) are not supported",
  bytes: "bytes are not supported",
  bool: "type conversions (`bool()`) are not supported",
  dyn: "`dyn` is not supported: every expression has a static type",
  type: "type values (`type()`) are not supported",
  timestamp: "timestamps are not supported: pass time as an int in the request",
  duration: "durations are not supported: pass them as ints in the request",
  lowerAscii: "the string extension `lowerAscii` is not supported",
  upperAscii: "the string extension `upperAscii` is not supported",
  replace: "the string extension `replace` is not supported",
  split: "the string extension `split` is not supported",
  join: "the string extension `join` is not supported",
  substring: "the string extension `substring` is not supported",
  charAt: "the string extension `charAt` is not supported",
  indexOf: "the string extension `indexOf` is not supported",
  lastIndexOf: "the string extension `lastIndexOf` is not supported",
  trim: "the string extension `trim` is not supported",
  format: "the string extension `format` is not supported",
  quote: "the string extension `quote` is not supported",
  reverse: "the extension `reverse` is not supported",
  getDate: "timestamp accessors are not supported",
  getDayOfMonth: "timestamp accessors are not supported",
  getDayOfWeek: "timestamp accessors are not supported",
  getDayOfYear: "timestamp accessors are not supported",
  getFullYear: "timestamp accessors are not supported",
  getHours: "timestamp accessors are not supported",
  getMilliseconds: "timestamp accessors are not supported",
  getMinutes: "timestamp accessors are not supported",
  getMonth: "timestamp accessors are not supported",
  getSeconds: "timestamp accessors are not supported",
  transformList: "the two-variable comprehension `transformList` is not supported",
  transformMap: "the two-variable comprehension `transformMap` is not supported",
  optional: "optional values are not supported",
  orValue: "optional values are not supported",
  hasValue: "optional values are not supported",
  value: "optional values are not supported",
}));

export const UNSUPPORTED_LITERALS = {
  double: FLOAT,
  uint: "unsigned integers (`1u`) are not supported: use int",
  bytes: "bytes literals (`b\"...\"`) are not supported: use strings",
  null: "null is not supported: use an optional field and `has()`",
  struct: "message construction (`Name{...}`) is not supported",
  leadingDot: "absolute names (`.name`) are not supported",
  optionalSyntax: "optional field and index syntax (`.?`, `[?]`) is not supported",
  optionalElements: "optional list elements and map entries (`[?x]`, `{?k: v}`) are not supported",
  mapKey: "map keys other than strings are not supported",
  recordComparison: "comparing records is not supported: compare their fields",
  recordInList: "records cannot be placed in list or map literals",
  recordInMapResult: "a `map` whose results hold records is not supported: map to their fields",
} as const;
