// The unknown-key test that generated readers (the decision fast path, the canonical request writer)
// run on every key of a record in a `for (const k in x)` loop. Fields are read by name and counted;
// each enumerable key must then be a field's name, and the keys as many as the fields found. Neither
// check alone suffices on a host's object: by count, a field that is not enumerable (read by name,
// but not in JSON or a snapshot) and an unknown key cancel out; by name, the non-enumerable field
// goes unnoticed.

/**
 * Each key is compared with the field of its place first (keys usually come in the schema's order).
 * When they differ, up to this many fields the key is compared with each name in turn (internalised
 * strings: pointer compares); a wider record looks it up in a Set: a chain of compares would grow
 * with the square of the width, and a look-up for every key costs several compares.
 */
export const MAX_CHAINED_FIELDS = 12;

/** What a generator lends the check: fresh variable names, and constants hoisted out of its function. */
export interface KeyCheckContext {
  fresh(prefix: string): string;
  /** declares a constant outside the generated function; returns its name */
  declare(initializer: string): string;
}

/**
 * JS source of the statement that checks the keys of the record in variable `x`: each enumerable key
 * one of `names`, and as many keys as `found` (the variable counting the fields read) says; `fail`
 * is the statement run otherwise (`return -1;`, say). Names reach the source through JSON.stringify.
 */
export function recordKeysCheck(x: string, found: string, names: readonly string[], fail: string, context: KeyCheckContext): string {
  const c = context.fresh("c");
  const k = context.fresh("k");
  const unknown = unknownKeyTest(k, c, names, context);
  return `let ${c} = 0; for (const ${k} in ${x}) { if (${unknown}) ${fail} ${c}++; } if (${c} !== ${found}) ${fail}`;
}

/** A test that is true when the key in variable `k` is not one of `names`; `c` counts the keys before it. */
function unknownKeyTest(k: string, c: string, names: readonly string[], context: KeyCheckContext): string {
  if (names.length === 0) return "true";
  if (names.length === 1) return `${k} !== ${JSON.stringify(names[0])}`;
  // the key compared with the field of its place first: keys usually come in the schema's order,
  // and then each costs one compare of two identical strings (a pointer compare, inline), where a
  // chain would compare the last field's key with every name before it
  const order = context.declare(JSON.stringify(names));
  if (names.length <= MAX_CHAINED_FIELDS) return `${k} !== ${order}[${c}] && ${names.map((name) => `${k} !== ${JSON.stringify(name)}`).join(" && ")}`;
  const known = context.declare(`new Set(${order})`);
  return `${k} !== ${order}[${c}] && !${known}.has(${k})`;
}
