// Counts what is read of strings, for tests that compare work rather than time. While a function
// runs, the ways the code reads a string's characters are wrapped to count the UTF-16 units they may
// read: String.prototype's iterator (for…of, spread), isWellFormed and RegExp.prototype.exec (which
// test, match, replace, search and split call) the whole string, charCodeAt and codePointAt one
// unit. A match may stop before the end, and backtrack over what it read: the whole string is what
// it may read once. Other reads (indexOf, slice, JSON) are not counted.

type Method = (this: unknown, ...args: unknown[]) => unknown;

const length = (s: unknown): number => (typeof s === "string" ? s.length : 0);

/** What `f` reads of strings, in UTF-16 units, as counted above. */
export function countedStringReads(f: () => void): number {
  let units = 0;
  const wrapped: [object, PropertyKey, (original: Method) => Method][] = [
    [String.prototype, Symbol.iterator, (original) => function (this: unknown, ...args) { units += length(this); return original.apply(this, args); }],
    [String.prototype, "isWellFormed", (original) => function (this: unknown, ...args) { units += length(this); return original.apply(this, args); }],
    [String.prototype, "charCodeAt", (original) => function (this: unknown, ...args) { units += 1; return original.apply(this, args); }],
    [String.prototype, "codePointAt", (original) => function (this: unknown, ...args) { units += 1; return original.apply(this, args); }],
    [RegExp.prototype, "exec", (original) => function (this: unknown, ...args) { units += length(args[0]); return original.apply(this, args); }],
  ];
  const saved = wrapped.map(([target, key]) => Object.getOwnPropertyDescriptor(target, key)!);
  try {
    wrapped.forEach(([target, key, wrap], i) => Object.defineProperty(target, key, { ...saved[i], value: wrap(saved[i]!.value as Method) }));
    f();
  } finally {
    wrapped.forEach(([target, key], i) => Object.defineProperty(target, key, saved[i]!));
  }
  return units;
}
