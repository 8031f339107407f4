// Reading what an object or an array holds, not what it inherits. A member an object lacks reads, by
// name, as whatever Object.prototype holds under that name, and a hole in an array (or an index past
// its end) as whatever Array.prototype, then Object.prototype, holds at that index. A property planted
// there — enumerable or not (`Object.defineProperty` plants one that no `for…in` sees) — would stand
// in for what is missing: a hole in a request's list read as "admin", an option left out read as
// `allowUnsigned: true`. The readers here answer what the object itself holds, and undefined for
// what it does not.
//
// They compare what they read with what the prototype answers, and only when the two are the same
// ask whether the object owns the member: a member equal to the prototype's answer that the object
// does own is its own. For a list that is less than a nanosecond an element, where `Object.hasOwn`
// on every element costs about 6 (measured in the generated fast path's loop). A Proxy is read the
// same way: through its `get` trap, and through `getOwnPropertyDescriptor` only for an element equal
// to the prototype's, so every reader of a request that reads its lists this way reads the same
// elements. (A getter planted on a prototype that answers differently each time it is read is code
// run on purpose, not planted data; no reader is safe from it, as none is from a replaced
// `Object.hasOwn`.)

/** What a hole of an array reads at an index: Array.prototype's element there, else Object.prototype's. */
export const ARRAY_PROTOTYPE: Readonly<Record<number, unknown>> = Array.prototype as unknown as Record<number, unknown>;

/** What a member an object lacks reads by name (for a plain object). */
const OBJECT_PROTOTYPE: Readonly<Record<string, unknown>> = Object.prototype as unknown as Record<string, unknown>;

/**
 * `list[i]`, read once; undefined when what it read is what a hole reads at `i` and `list` does not
 * own index `i` (a hole, or an index past its end).
 */
export function ownElement(list: readonly unknown[], i: number): unknown {
  const e = list[i];
  const inherited = ARRAY_PROTOTYPE[i];
  return inherited !== undefined && e === inherited && !Object.hasOwn(list, i) ? undefined : e;
}

/**
 * Most elements a list the runtime copies element by element may say it has (its `length`): more
 * than any list of trusted keys, trusted policies, a batch's leaves or a decision's rules holds. An
 * array whose length is 2^32 − 1 and that holds nothing (`a.length = 2 ** 32 - 1`) takes no memory,
 * but a copy without holes would, and V8 ends the whole process (a fatal "invalid size" error no
 * handler sees) when it cannot make one that large.
 */
export const MAX_COPIED_ELEMENTS = 1 << 20;

/** Thrown where a list says it holds more than MAX_COPIED_ELEMENTS: each reader refuses it as it refuses a list it cannot read. */
function tooManyElements(length: number): RangeError {
  return new RangeError(`a list of ${length} elements (its length), more than the ${MAX_COPIED_ELEMENTS} this reads`);
}

/**
 * The elements of `list` (ownElement each, in order) in a fresh array without holes, a hole as
 * undefined. Throws tooManyElements for a list longer than MAX_COPIED_ELEMENTS.
 */
export function ownElements(list: readonly unknown[]): unknown[] {
  const n = list.length;
  if (n > MAX_COPIED_ELEMENTS) throw tooManyElements(n);
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(ownElement(list, i));
  return out;
}

/**
 * `obj[key]`, read once; undefined when what it read is what Object.prototype holds under `key` and
 * `obj` does not own `key`. A member a class defines (a getter on its prototype) is read as it is;
 * only Object.prototype's answer is no member.
 */
export function ownMember(obj: object, key: string): unknown {
  const v = (obj as Record<string, unknown>)[key];
  return v !== undefined && v === OBJECT_PROTOTYPE[key] && !Object.hasOwn(obj, key) ? undefined : v;
}

/**
 * A copy of plain data (what structuredClone makes of JSON) whose objects have no prototype and whose
 * arrays have no holes (a hole becomes undefined, which no canonical JSON holds): read by name or by
 * index, it answers only what it holds. A member the data lacks (an optional one: a layout slot's
 * `intern`, a field's `presence`) reads as undefined whatever Object.prototype holds under its name;
 * read through it, a value planted there at load time would be taken for the member, and change how
 * every later request is read. Other objects (a Date, a typed array) are kept as they are; shared
 * and cyclic parts stay shared and cyclic. Throws tooManyElements for an array longer than
 * MAX_COPIED_ELEMENTS.
 */
export function withoutPrototypes(value: unknown, copies: Map<object, unknown> = new Map()): unknown {
  if (typeof value !== "object" || value === null) return value;
  const known = copies.get(value);
  if (known !== undefined) return known;
  if (Array.isArray(value)) {
    if (value.length > MAX_COPIED_ELEMENTS) throw tooManyElements(value.length);
    const out: unknown[] = [];
    copies.set(value, out);
    for (let i = 0; i < value.length; i++) out.push(withoutPrototypes(ownElement(value, i), copies));
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = Object.create(null);
  copies.set(value, out);
  // an assignment, not defineProperty (several times slower over a large manifest): with no
  // prototype, `out` has no `__proto__` accessor either, so such a member (JSON.parse makes them)
  // is made an own member like any other
  for (const k of Object.keys(value)) out[k] = withoutPrototypes((value as Record<string, unknown>)[k], copies);
  return out;
}

/** ownMember of a typed object (an options object): the member's declared type, or undefined. */
export function ownOption<T extends object, K extends keyof T & string>(obj: T, key: K): T[K] | undefined {
  return ownMember(obj, key) as T[K] | undefined;
}
