// The unknown-key test that generated readers (the decision fast path, the canonical request writer)
// run on every key of a record in a `for (const k in x)` loop. Fields are read by name and counted;
// each enumerable key must then be a field's name, and the keys as many as the fields found. Neither
// check alone suffices on a host's object: by count, a field that is not enumerable (read by name,
// but not in JSON or a snapshot) and an unknown key cancel out; by name, the non-enumerable field
// goes unnoticed.

/**
 * Up to this many fields a key is compared with each name in turn (internalised strings: pointer
 * compares). A wider record compares the key with the field of its place first (keys usually come
 * in the schema's order) and looks it up in a Set only when they differ: a chain of compares would
 * grow with the square of the width, and a look-up for every key costs several compares.
 */
export const MAX_CHAINED_FIELDS = 12;

/**
 * JS source of a test that is true when the key in variable `k` is not one of `names`; `c` holds the
 * number of keys before it. `declare(initializer)` hoists a constant out of the generated function
 * and returns its name. Names reach the source through JSON.stringify only.
 */
export function unknownKeyTest(k: string, c: string, names: readonly string[], declare: (initializer: string) => string): string {
  if (names.length === 0) return "true";
  if (names.length <= MAX_CHAINED_FIELDS) return names.map((name) => `${k} !== ${JSON.stringify(name)}`).join(" && ");
  const order = declare(JSON.stringify(names));
  const known = declare(`new Set(${order})`);
  return `${k} !== ${order}[${c}] && !${known}.has(${k})`;
}
